"""File descriptors for benchmarks: each viewer is a socket in a loader and in a server."""

from __future__ import annotations

import resource

WANTED = 200_000  # 20,000 viewers plus the reference relay's copies, with room


def raise_limit() -> int:
    """Raise soft and, where allowed (root), hard limits; child processes inherit them."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (WANTED, max(hard, WANTED)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
