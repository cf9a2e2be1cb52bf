"""Each widget viewer holds one socket: raise this process's file-descriptor limit at start.

The soft limit (often 1,024) goes up to the hard limit, which only the OS (systemd's
``LimitNOFILE``, ``ulimit -Hn``) can raise; a web process with a low hard limit says so
once at start instead of refusing viewers later with "too many open files".
"""

from __future__ import annotations

import logging

log = logging.getLogger("feedsite.fd_limit")

ENOUGH = 65536  # viewers per process well beyond what one core serves


def raise_fd_limit() -> int:
    """Raise the soft limit to the hard one; returns the limit now in force (0 where unknown)."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, ENOUGH)
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as error:
            log.warning("could not raise the file-descriptor limit from %d (%s)", soft, error)
    if soft < ENOUGH:
        log.warning(
            "file-descriptor limit %d: at most about %d viewers in this process; raise the hard limit "
            "(systemd LimitNOFILE=, ulimit -Hn) for more",
            soft,
            soft - 100,
        )
    return soft
