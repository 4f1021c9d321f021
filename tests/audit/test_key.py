"""The audit key comes from the environment; production refuses to start without it, and the
documented production environment carries a valid one."""

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MASTER = base64.b64encode(b"m" * 32).decode()
CHECKED = ("CONSENTRY_TESTING", "CONSENTRY_DEMO", "CONSENTRY_DEBUG", "CONSENTRY_AUDIT_KEY")


def _start(**extra) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "consentry.settings", **extra}
    for name in CHECKED:
        if name not in extra:
            env.pop(name, None)
    code = "from django.conf import settings; print(settings.AUDIT_KEY.hex())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def production(**extra) -> subprocess.CompletedProcess:
    return _start(CONSENTRY_SECRET_KEY="x", CONSENTRY_MASTER_KEY=MASTER, **extra)


def test_production_refuses_to_start_without_an_audit_key():
    result = production()
    assert result.returncode != 0
    assert "Set CONSENTRY_AUDIT_KEY" in result.stderr


def test_the_audit_key_is_32_bytes_of_base64_and_not_the_master_key():
    key = os.urandom(32)
    assert (
        production(CONSENTRY_AUDIT_KEY=base64.b64encode(key).decode()).stdout.strip() == key.hex()
    )
    assert "exactly 32 bytes" in production(CONSENTRY_AUDIT_KEY="c2hvcnQ=").stderr
    assert "must not be the same" in production(CONSENTRY_AUDIT_KEY=MASTER).stderr


def test_the_demo_uses_a_development_key_of_its_own():
    demo = bytes.fromhex(_start(CONSENTRY_DEMO="true").stdout.strip())
    assert len(demo) == 32
    assert demo != b"consentry-development-master-key"


def test_the_documented_production_environment_has_a_valid_audit_key():
    values = dict(
        line.split("=", 1)
        for line in (ROOT / "deploy" / "consentry.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    key = base64.b64decode(values["CONSENTRY_AUDIT_KEY"], validate=True)
    assert len(key) == 32
    assert values["CONSENTRY_AUDIT_KEY"] != values["CONSENTRY_MASTER_KEY"]
