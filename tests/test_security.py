"""Production settings, CSRF, and clear start-up errors."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BETCORE_", "REDIS_URL", "DATABASE_URL", "DJANGO_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_has_no_warnings_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="1",
        SECURE_HSTS_SECONDS="31536000",
        ALLOWED_HOSTS="widgets.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["feedworker", "--sandbox"]])
def test_an_unreachable_database_at_start_is_one_clear_line(command):
    result = manage(
        *command,
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/feed",
        REDIS_URL="redis://127.0.0.1:6379/7",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: database unreachable at 127.0.0.1 (postgresql)")


@pytest.mark.django_db
def test_the_admin_login_requires_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
