import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedsite.env import ConfigError, Env, channel_layer_config, database_config

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_nothing_installed(tmp_path):
    assert database_config("", str(tmp_path)) == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(str(tmp_path), "db.sqlite3"),
    }
    assert channel_layer_config("") == {"BACKEND": "channels.layers.InMemoryChannelLayer"}


def test_a_postgres_url_selects_postgresql(tmp_path):
    config = database_config("postgres://postgres@127.0.0.1:5432/feed", str(tmp_path))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("127.0.0.1", 5432, "feed", "postgres")


def test_postgresql_goes_through_a_bounded_pool_without_persistent_connections(tmp_path):
    config = database_config("postgres://postgres@127.0.0.1:5432/feed", str(tmp_path), pool_size=5, pool_timeout=3)
    assert config["CONN_MAX_AGE"] == 0  # per-thread persistent connections strand under ASGI
    assert config["OPTIONS"]["pool"]["max_size"] == 5
    assert config["OPTIONS"]["pool"]["timeout"] == 3
    assert config["OPTIONS"]["application_name"] == "betcore-widget"


def test_a_redis_url_selects_the_redis_pubsub_layer():
    config = channel_layer_config("redis://127.0.0.1:6379/2")
    assert config["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert config["CONFIG"]["hosts"] == ["redis://127.0.0.1:6379/2"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: database_config("mysql://x/y", "/tmp"), "DATABASE_URL"),
        (lambda: database_config("postgres://127.0.0.1:5432", "/tmp"), "names no database"),
        (lambda: channel_layer_config("http://127.0.0.1:6379"), "REDIS_URL"),
        (lambda: channel_layer_config("redis://127.0.0.1:notaport"), "invalid port"),
        (lambda: Env({"DEBUG": "maybe"}).bool("DEBUG"), "DEBUG='maybe' is not a boolean"),
        (lambda: Env({"N": "ten"}).int("N", 1), "N='ten' is not a whole number"),
        (lambda: Env({"N": "-3"}).int("N", 1, minimum=0), "at least 0"),
        (lambda: Env({"F": "nan"}).float("F", 1.0, minimum=0.5), "F='nan'"),
        (lambda: Env({"U": "ftp://x"}).url("U", ("https",)), "U='ftp://x' is not a URL"),
        (lambda: Env({"O": "https://a.example/path"}).origins("O"), "is not an origin"),
    ],
)
def test_bad_values_name_the_variable_and_what_it_expects(call, message):
    with pytest.raises(ConfigError, match=message):
        call()


def test_typed_readers_parse_good_values():
    env = Env({"B": "yes", "I": "42", "F": "0.75", "L": "a, b,,c", "O": "https://a.example,http://localhost:8000"})
    assert env.bool("B") is True
    assert env.int("I", 0) == 42
    assert env.float("F", 0.0) == 0.75
    assert env.list("L") == ["a", "b", "c"]
    assert env.origins("O") == ["https://a.example", "http://localhost:8000"]
    assert env.int("MISSING", 7) == 7


def run_manage(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BETCORE_", "DATABASE_URL", "REDIS_URL"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"SECRET_KEY": "settings-test-key-0123456789-abcdefghij", "DEBUG": "0"}, **extra_env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not a URL like redis://"),
        ({"DATABASE_URL": "oracle://db/x"}, "DATABASE_URL='oracle://db/x' must start with postgres://"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is required when DEBUG is off"),
        ({"DEBUG": "perhaps"}, "DEBUG='perhaps' is not a boolean"),
        ({"BETCORE_SECRET": "only-this"}, "must be set together"),
        ({"FEED_SILENCE_SECONDS": "soon"}, "FEED_SILENCE_SECONDS='soon' is not a number"),
        ({"CSRF_TRUSTED_ORIGINS": "example.com"}, "CSRF_TRUSTED_ORIGINS entry 'example.com'"),
        ({"SECRET_KEY": "x" * 50}, "SECRET_KEY is too uniform"),
        ({"OPS_ALLOWED_NETWORKS": "10.0.0.0/8,office"}, "OPS_ALLOWED_NETWORKS entry 'office'"),
        ({"OPS_TOKEN": "short"}, "OPS_TOKEN must be at least 24 characters"),
    ],
)
def test_manage_py_reports_a_bad_environment_in_one_line(env, expected):
    result = run_manage(env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("configuration error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_manage_py_accepts_the_scale_out_configuration():
    result = run_manage(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/feed", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
