"""`manage.py check --deploy` is clean with the production settings (DESIGN §7).

The checks run in a subprocess: the production module must be imported fresh, with only the
variables an operator would set.
"""

import base64
import os
import secrets
import subprocess
import sys

from django.conf import settings


def run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' harness in the same process; a deployment has none.
    dropped = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        METRICS_TOKEN=secrets.token_urlsafe(32),
        REPORT_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_demands_a_metrics_token():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "METRICS_TOKEN" in result.stdout + result.stderr


def test_production_refuses_a_loopback_scrape_of_metrics_without_a_token():
    # A local proxy that does not add X-Forwarded-For relays every outside request from loopback.
    scrape = (
        "from django.test import Client; print(Client().get('/metrics', REMOTE_ADDR='127.0.0.1').status_code)"
    )
    result = run_manage("shell", "-c", scrape, SECRET_KEY=secrets.token_urlsafe(50), METRICS_TOKEN="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "404"


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
