"""The master key comes from the environment; production refuses to start without it."""

import base64
import os
import subprocess
import sys


def _start(**extra) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "consentry.settings", **extra}
    for name in ("CONSENTRY_TESTING", "CONSENTRY_DEMO", "CONSENTRY_DEBUG", "CONSENTRY_MASTER_KEY"):
        if name not in extra:
            env.pop(name, None)
    code = "from django.conf import settings; print(len(settings.MASTER_KEY))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_master_key():
    result = _start(CONSENTRY_SECRET_KEY="x")
    assert result.returncode != 0
    assert "Set CONSENTRY_MASTER_KEY" in result.stderr


def test_a_master_key_must_be_32_bytes_of_base64():
    short = base64.b64encode(b"too short").decode()
    assert "exactly 32 bytes" in _start(CONSENTRY_SECRET_KEY="x", CONSENTRY_MASTER_KEY=short).stderr
    assert "exactly 32 bytes" in _start(CONSENTRY_SECRET_KEY="x", CONSENTRY_MASTER_KEY="!!").stderr
    good, audit = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    started = _start(CONSENTRY_SECRET_KEY="x", CONSENTRY_MASTER_KEY=good, CONSENTRY_AUDIT_KEY=audit)
    assert started.stdout.strip() == "32"


def test_the_demo_may_use_the_development_key():
    assert _start(CONSENTRY_DEMO="true").stdout.strip() == "32"
