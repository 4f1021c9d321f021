"""Sessions end after inactivity; the demo's one-click personas exist in demo mode only."""

from datetime import timedelta
from unittest import mock

from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.accounts.mfa import must_use_totp, needs_totp_enrolment
from consentry.accounts.middleware import DEMO_PERSONA_SESSION_KEY
from consentry.demo.personas import PERSONA_EMAILS
from tests.accounts.conftest import english, signed_in_as
from tests.world import PASSWORD


def later(seconds: int):
    return mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=seconds)
    )


def test_a_session_idle_longer_than_its_age_is_signed_out(world, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    client = Client()
    client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})
    with later(20 * 60):  # activity keeps the session alive ...
        assert client.get("/groups/").status_code == 200
    with later(40 * 60):  # ... 20 minutes after the last request: still signed in
        assert client.get("/groups/").status_code == 200
    with later(40 * 60 + 31 * 60):  # 31 idle minutes: signed out
        assert client.get("/groups/")["Location"] == "/login/?next=/groups/"


def test_the_session_cookie_ends_with_the_browser(world):
    client = Client()
    response = client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert response.cookies["sessionid"]["max-age"] == ""  # no "remember me"


def test_only_leadership_and_privacy_officers_must_use_totp(world):
    needing = {name for name in ("leadership", "privacy_officer", "other_leadership")}
    for name in ("parent", "teacher", "intern", *needing):
        assert must_use_totp(getattr(world, name)) == (name in needing), name
    assert not needs_totp_enrolment(world.leadership)  # the world gave them an app
    Authenticator.objects.filter(user=world.leadership).delete()
    assert needs_totp_enrolment(world.leadership)


def test_the_persona_buttons_are_on_the_login_page_in_demo_mode_only(db, settings):
    settings.DEMO_MODE = True
    page = english().get("/login/").text
    assert "Demo: sign in with one click" in page and 'value="leadership"' in page
    settings.DEMO_MODE = False
    page = english().get("/login/").text
    assert "Demo: sign in with one click" not in page and 'value="leadership"' not in page


def test_a_demo_persona_skips_the_totp_set_up_in_demo_mode_only(world, settings):
    world.leadership.email = PERSONA_EMAILS["leadership"]
    world.leadership.save()
    Authenticator.objects.filter(user=world.leadership).delete()
    overview = f"/schools/{world.school.pk}/"

    settings.DEMO_MODE = True
    client = Client()
    assert client.post("/demo/login/", {"persona": "leadership"})["Location"] == "/"
    assert client.get(overview).status_code == 200

    settings.DEMO_MODE = False  # the same mark outside demo mode counts for nothing
    assert client.session[DEMO_PERSONA_SESSION_KEY] == "leadership"
    assert client.get(overview)["Location"] == "/security/totp/activate/"


def test_a_demo_sign_in_switches_to_the_personas_language(world, settings):
    settings.DEMO_MODE = True
    world.teacher.email, world.teacher.preferred_language = PERSONA_EMAILS["teacher"], "en"
    world.teacher.save()
    client = Client()
    response = client.post("/demo/login/", {"persona": "teacher"})
    assert response.cookies["django_language"].value == "en"
    assert signed_in_as(client) == str(world.teacher.pk)


def test_the_language_switch_is_remembered_on_the_account(world, client):
    """Mail is written in the preferred language, so the switch on the pages must set it."""
    assert world.parent.preferred_language == "nl"
    client.force_login(world.parent)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/children/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    world.parent.refresh_from_db()
    assert world.parent.preferred_language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/children/"})
    world.parent.refresh_from_db()
    assert world.parent.preferred_language == "en"


def test_a_session_in_use_is_written_at_most_once_a_minute(world):
    """Every request keeps the session alive, but only one a minute writes it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/groups/").status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries)

    assert session_writes() == 1  # the "signed in" message is shown, and leaves the session
    assert session_writes() == 0  # signing in just wrote it: nothing to move yet
    with later(61):
        assert session_writes() == 1  # a minute on, a request moves the expiry
        assert session_writes() == 0  # and the next within that minute does not write
