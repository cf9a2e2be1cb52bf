"""Widget weight: bytes of the first load (HTML, CSS, JS modules, theme CSS), raw and gzipped.

    .venv/bin/python bench/widget_weight.py

Uses production static storage (hashed, compressed files from collectstatic) and the
Django test client on a throwaway SQLite database; prints a table.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "feedsite.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghij",
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    with override_settings(STATIC_ROOT=workdir / "static", ALLOWED_HOSTS=["testserver"]):
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from widget.demo import ensure_demo_widget

        widget = ensure_demo_widget([])
        client = Client()
        page = client.get(f"/w/{widget.public_id}/")
        html = page.content
        rows = [("widget page (HTML)", html)]
        static_root = Path(settings.STATIC_ROOT)
        # widget.js and the modules it imports (the page preloads them alongside it).
        for name in ("widget.css", "widget.js", "page.js", "results.js", "render.js", "host.js"):
            stem, suffix = name.split(".")
            hashed = next(p for p in (static_root / "widget").glob(f"{stem}.*.{suffix}") if p.name.count(".") == 2)
            assert f"/static/widget/{hashed.name}".encode() in html
            rows.append((f"{name} ({hashed.name})", hashed.read_bytes()))
        rows.append(("theme.css", client.get(f"/w/{widget.public_id}/theme.css").content))
        embed = next(p for p in (static_root / "widget").glob("embed.*.js") if p.name.count(".") == 2)
        print("| file | raw bytes | gzip -9 bytes |\n|---|---|---|")
        total_raw = total_gz = 0
        for label, data in rows:
            size, zipped = len(data), len(gzip.compress(data, 9))
            total_raw, total_gz = total_raw + size, total_gz + zipped
            print(f"| {label} | {size:,} | {zipped:,} |")
        print(f"| **first load inside the iframe** | **{total_raw:,}** | **{total_gz:,}** |")
        data = embed.read_bytes()
        print(f"| embed.js on the partner page | {len(data):,} | {len(gzip.compress(data, 9)):,} |")


if __name__ == "__main__":
    main()
