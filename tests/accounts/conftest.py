import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from tests.world import TOTP_SECRET


@pytest.fixture
def guardian(world):
    """A parent as the roster creates them: no password, sign-in by emailed code only."""
    world.parent.set_unusable_password()
    world.parent.save()
    return world.parent


def english() -> Client:
    """A browser that chose English (the texts checked here are the English source texts)."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def totp_code(secret: str = TOTP_SECRET) -> str:
    """What an authenticator app shows now for this secret (RFC 6238, 30 s, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def code_in(text: str) -> str:
    """The 8-digit code on a line of its own in the sign-in mail."""
    found = re.search(r"^(\d{8})\s*$", text, re.MULTILINE)
    assert found, text
    return found.group(1)
