"""A clear start-up error when the database cannot be reached."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DatabaseError, connection


def require_database() -> None:
    """Raise CommandError naming the database when it does not answer."""
    try:
        if getattr(connection, "pool", None) is not None:
            # One plain connection first: the pool would retry (logging each try) for its whole
            # timeout before giving up on a database that is not there.
            params = {"connect_timeout": 5, **connection.get_connection_params()}
            with connection.wrap_database_errors:
                connection.Database.connect(**params).close()  # type: ignore[attr-defined]
        connection.ensure_connection()
    except DatabaseError as error:
        settings = connection.settings_dict
        where = settings.get("HOST") or settings.get("NAME")
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CommandError(
            f"database unreachable at {where} ({settings['ENGINE'].rsplit('.', 1)[-1]}): {first_line}"
        ) from None
