"""Audit the pinned requirements with pip-audit, and say plainly what could not be audited.

pip-audit exits 0 when it cannot reach its vulnerability service at all (every package
is "skipped"), which would read as a clean audit. This wrapper fails on any known
vulnerability, and reports unaudited packages on one line; with --require-complete an
incomplete audit fails too.

    python scripts/audit_dependencies.py [--require-complete] [requirements.txt]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def describe(vulnerability: dict) -> str:
    fixed = vulnerability.get("fix_versions")
    return vulnerability["id"] + (f" (fixed in {', '.join(fixed)})" if fixed else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("requirements", nargs="?", default="requirements.txt")
    parser.add_argument("--require-complete", action="store_true", help="fail if any package could not be audited")
    options = parser.parse_args()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            options.requirements,
            "--no-deps",
            "--require-hashes",
            "-f",
            "json",
            "--progress-spinner",
            "off",
        ],  # a hashed lock of the whole tree: nothing to resolve
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"audit: pip-audit gave no report (exit {run.returncode}): {run.stderr.strip()[-500:]}")
        return 1 if options.require_complete else 0
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        ids = ", ".join(describe(vulnerability) for vulnerability in dependency["vulns"])
        print(f"audit: {dependency['name']} {dependency['version']}: {ids}")
    audited = len(dependencies) - len(skipped)
    print(
        f"audit: {audited} of {len(dependencies)} pinned packages audited; {len(vulnerable)} with known vulnerabilities"
    )
    if skipped:
        print(f"audit: NOT AUDITED ({len(skipped)}): {skipped[0]['skip_reason']}" + (" …" if len(skipped) > 1 else ""))
    if vulnerable:
        return 1
    return 1 if skipped and options.require_complete else 0


if __name__ == "__main__":
    sys.exit(main())
