"""The recovery codes page (django-allauth's view, our template): after setting up the
authenticator app a leader lands here, so it must say what the codes are for, show them
plainly, and give a way on; making a new set is a separate step that says what it undoes."""

import pytest
from allauth.account.internal.flows import reauthentication
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal import flows
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

PAGE = "/security/recovery-codes/"
GENERATE = "/security/recovery-codes/generate/"


@pytest.fixture
def leader(world, monkeypatch):
    """The leadership, with TOTP and recovery codes, signed in (allauth's "confirm it is you"
    step before showing codes is the sign-in tests' business, not this page's)."""
    monkeypatch.setattr(flows, "raise_if_reauthentication_required", lambda *a, **k: None)
    monkeypatch.setattr(reauthentication, "is_reauthentication_required", lambda *a, **k: False)
    RecoveryCodes.activate(world.leadership)
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.leadership)
    return client


def _codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()


def test_the_page_says_what_the_codes_are_for_and_shows_each_one(world, leader):
    page = leader.get(PAGE).text
    assert "you sign in with one of these codes instead of a code from the app" in page
    assert "Each code works once." in page and "10 of your 10 codes are still unused." in page
    for code in _codes(world.leadership):
        assert f"<li><code>{code}</code></li>" in page
    assert "Keep them somewhere safe and away from your phone" in page


def test_the_page_offers_download_print_and_a_way_on(leader):
    page = leader.get(PAGE).text
    assert 'href="/security/recovery-codes/download/" download>Download the codes</a>' in page
    assert "data-print hidden>Print the codes</button>" in page
    assert '<a class="button" href="/">I have stored them: continue</a>' in page


def test_new_codes_are_a_separate_step_that_says_what_it_undoes(world, leader):
    page = leader.get(PAGE).text
    assert f'<a href="{GENERATE}">Make new recovery codes</a>' in page
    assert "the codes above then stop working" in page
    before = _codes(world.leadership)
    confirm = leader.get(GENERATE).text
    assert "You still have 10 unused codes. A new set replaces them" in confirm
    assert f'<a href="{PAGE}">Keep my codes</a>' in confirm
    assert leader.post(GENERATE).status_code == 302
    assert set(_codes(world.leadership)).isdisjoint(before)
