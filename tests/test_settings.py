"""The deployed profiles pass Django's deployment checks, and refuse to start half-configured.

Each case runs manage.py in a fresh process, because settings are read once at start-up.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What a deployment sets (docker-compose.yml, README). Nothing here is contacted:
# `check --deploy` reads settings and models, it does not open connections.
DEPLOYED_ENV = {
    "SECRET_KEY": "k7Qx2-not-a-real-secret-but-long-and-varied-enough-9fZ3vLw8pR4mT1",
    "DATABASE_URL": "postgresql://collab:secret@db.invalid:5432/collab",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "ALLOWED_HOSTS": "collab.example.nhs.uk",
    "CSRF_TRUSTED_ORIGINS": "https://collab.example.nhs.uk",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Start from a clean slate: nothing pytest-django or the browser fixture set, and none
    # of the CI's service variables, so each case sees exactly the environment it names.
    dropped = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", *DEPLOYED_ENV)
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith(("COLLAB_", "SECURE_", "EMAIL_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "collab.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("profile", ["production", "loadtest"])
def test_it_passes_the_deployment_checks(profile):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", COLLAB_ENV=profile, **DEPLOYED_ENV
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_redirects_to_https_in_production_only():
    # loadtest passes the checks above by silencing exactly one of them, the SSL redirect.
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT, settings.DEBUG)"
    production = manage(
        "shell", "--no-imports", "-c", code, COLLAB_ENV="production", **DEPLOYED_ENV
    )
    loadtest = manage("shell", "--no-imports", "-c", code, COLLAB_ENV="loadtest", **DEPLOYED_ENV)

    assert production.stdout.split() == ["True", "False"], production.stderr
    assert loadtest.stdout.split() == ["False", "False"], loadtest.stderr


def test_the_benchmark_floor_is_routed_in_loadtest_but_not_in_production():
    # /bench/floor/ (collab/floor.py) is for bench/load_dashboards.py; BENCH_FLOOR turns it on.
    code = (
        "from django.urls import NoReverseMatch, reverse\n"
        "try:\n    print(reverse('bench_floor'))\nexcept NoReverseMatch:\n    print('none')"
    )
    production = manage(
        "shell", "--no-imports", "-c", code, COLLAB_ENV="production", **DEPLOYED_ENV
    )
    loadtest = manage("shell", "--no-imports", "-c", code, COLLAB_ENV="loadtest", **DEPLOYED_ENV)
    asked = manage(
        "shell", "--no-imports", "-c", code, COLLAB_ENV="production", BENCH_FLOOR="on",
        **DEPLOYED_ENV,
    )  # fmt: skip

    assert production.stdout.split() == ["none"], production.stderr
    assert loadtest.stdout.split() == ["/bench/floor/"], loadtest.stderr
    assert asked.stdout.split() == ["/bench/floor/"], asked.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_it_refuses_to_start_in_production_without(missing):
    env = {key: value for key, value in DEPLOYED_ENV.items() if key != missing}

    result = manage("check", COLLAB_ENV="production", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_it_refuses_a_short_secret_key_in_production():
    env = {**DEPLOYED_ENV, "SECRET_KEY": "too-short"}

    result = manage("check", COLLAB_ENV="production", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
