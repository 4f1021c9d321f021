"""Staff sign in with a password; leadership and privacy officers also with an authenticator app."""

import re
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import get_resolver

from consentry.accounts.mfa import needs_mailed_code_before_enrolment
from consentry.accounts.middleware import ALLOWED_URL_NAMES
from consentry.mail.models import OutgoingMail
from tests.access.test_every_url import _reverse, _url_kwargs, _walk
from tests.accounts.conftest import code_in, english, signed_in_as, totp_code
from tests.world import PASSWORD, make_leaflet

ACTIVATE = "/security/totp/activate/"
AUTHENTICATE = "/security/authenticate/"
ASK_CODE = "/reauthenticate/code/"
CONFIRM_CODE = "/reauthenticate/code/confirm/"
NEXT = "%2Fsecurity%2Ftotp%2Factivate%2F"  # ACTIVATE, as allauth passes it on


def sign_in(client, user, password=PASSWORD):
    return client.post("/login/", {"login": user.email, "password": password})


def without_totp(user):
    Authenticator.objects.filter(user=user).delete()
    return user


def mailed_code(user) -> str:
    """The code in the latest mail to the user (queued: the worker has not sent it yet)."""
    return code_in(OutgoingMail.objects.filter(recipient=user).latest("pk").body)


def confirm_by_mailed_code(client, user) -> None:
    """What the set-up of a first authenticator app asks first: a code from the mail."""
    client.post(ASK_CODE, {"next": ACTIVATE})
    response = client.post(CONFIRM_CODE, {"code": mailed_code(user), "next": ACTIVATE})
    assert response["Location"] == ACTIVATE


def test_a_teacher_signs_in_with_a_password_and_is_not_asked_for_more(world):
    client = Client()
    response = sign_in(client, world.teacher)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_as(client) == str(world.teacher.pk)
    assert client.get("/")["Location"] == "/groups/"
    assert client.get("/groups/").status_code == 200


def test_a_wrong_password_says_so_and_signs_nobody_in(world):
    client = english()
    response = sign_in(client, world.teacher, "wrong")
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.text
    assert signed_in_as(client) is None


def test_with_totp_the_password_alone_is_not_enough(world):
    client = english()
    response = sign_in(client, world.leadership)
    assert (response.status_code, response["Location"]) == (302, AUTHENTICATE)
    assert signed_in_as(client) is None
    assert client.get(f"/schools/{world.school.pk}/")["Location"].startswith("/login/")

    page = client.get(AUTHENTICATE).text
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    response = client.post(AUTHENTICATE, {"code": "000000"})
    assert response.status_code == 200 and "Incorrect code." in response.text
    assert signed_in_as(client) is None

    response = client.post(AUTHENTICATE, {"code": totp_code()})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_as(client) == str(world.leadership.pk)
    assert client.get(f"/schools/{world.school.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["leadership", "privacy_officer"])
def test_leadership_without_totp_must_set_it_up_before_anything_else(world, who):
    user = without_totp(getattr(world, who))
    client = english()
    assert sign_in(client, user)["Location"] == "/"
    assert signed_in_as(client) == str(user.pk)
    for path in ("/", f"/schools/{world.school.pk}/", "/groups/", "/api/v1/groups"):
        assert client.get(path)["Location"] == ACTIVATE, path

    confirm_by_mailed_code(client, user)
    page = client.get(ACTIVATE).text
    assert "You see every pupil of a school" in page  # why this page appeared
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page).group(1)
    response = client.post(ACTIVATE, {"code": "000000"})
    assert response.status_code == 200 and not Authenticator.objects.filter(user=user).exists()

    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response["Location"] == "/security/recovery-codes/"
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get(f"/schools/{world.school.pk}/").status_code == 200


def test_while_setting_up_totp_one_can_still_sign_out_and_switch_language(world):
    user = without_totp(world.leadership)
    client = Client()
    client.force_login(user)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"})["Location"] == "/"
    assert client.get("/security/").status_code == 200
    assert client.post("/logout/")["Location"] == "/login/"
    assert signed_in_as(client) is None


def test_a_teacher_is_not_forced_but_may_set_up_totp(world):
    client = english()
    sign_in(client, world.teacher)
    assert client.get("/groups/").status_code == 200
    page = client.get("/security/").text
    assert "Set up an authenticator app" in page and "Change your password" in page

    confirm_by_mailed_code(client, world.teacher)
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', client.get(ACTIVATE).text)
    client.post(ACTIVATE, {"code": totp_code(secret.group(1))})
    client.post("/logout/")
    assert sign_in(client, world.teacher)["Location"] == AUTHENTICATE


def test_failed_sign_ins_are_slowed_down_even_for_the_right_password(world):
    client = english()
    for _ in range(5):
        assert "not correct" in sign_in(client, world.teacher, "wrong").text
    response = sign_in(client, world.teacher)  # right, but too late
    assert response.status_code == 200
    assert "Too many attempts to sign in with this address" in response.text
    assert signed_in_as(client) is None
    assert sign_in(Client(), world.other_teacher)["Location"] == "/"  # others are not blocked


def test_sign_up_is_closed(db, django_user_model):
    client = english()
    assert "No sign-up needed" in client.get("/signup/").text
    client.post("/signup/", {"email": "new@example.nl", "password1": "a-long-passw0rd!"})
    assert not django_user_model.objects.filter(email="new@example.nl").exists()


def test_there_is_no_page_to_change_ones_email_address(world):
    client = Client()
    client.force_login(world.teacher)
    assert client.get("/email/").status_code == 404


def test_without_totp_every_other_page_leads_to_the_set_up(world):
    """Checked on every URL pattern, so a new page cannot forget the requirement."""
    client = Client()
    client.force_login(without_totp(world.leadership))
    kwargs = _url_kwargs(world, make_leaflet(world.school, label="versie 2027"))
    for _route, name in _walk(get_resolver()):
        location = urlsplit(client.get(_reverse(name, kwargs)).get("Location", "")).path
        if name in ALLOWED_URL_NAMES:
            assert location != ACTIVATE, name
        else:
            assert location == ACTIVATE, name


def test_a_flood_of_sign_in_attempts_gets_a_clear_page(world):
    client = english()
    for _ in range(30):
        client.post("/login/", {"login": world.teacher.email, "password": "wrong"})
    response = client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.text and "Wait a few minutes" in response.text
    assert signed_in_as(client) is None


def test_a_password_alone_cannot_set_up_a_first_authenticator_app(world):
    """Whoever enrols the first app owns the account: a stolen password must not be enough."""
    user = without_totp(world.leadership)
    client = english()
    sign_in(client, user)
    response = client.get(ACTIVATE)
    assert (response.status_code, response["Location"]) == (302, ASK_CODE + "?next=" + NEXT)
    response = client.post(ACTIVATE, {"code": totp_code()})
    assert response["Location"].startswith(ASK_CODE)
    # Typing the password again does not count either: that page is not offered.
    response = client.post("/reauthenticate/", {"password": PASSWORD, "next": ACTIVATE})
    assert response["Location"].startswith(ASK_CODE)
    assert client.get(ACTIVATE)["Location"].startswith(ASK_CODE)
    assert not Authenticator.objects.filter(user=user).exists()


def test_the_code_mailed_to_the_schools_address_opens_the_set_up(world):
    user = without_totp(world.leadership)
    user.preferred_language = "en"
    user.save()
    client = english()
    sign_in(client, user)
    page = client.get(ASK_CODE, {"next": ACTIVATE}).text
    assert user.email in page and "Email me a code" in page

    response = client.post(ASK_CODE, {"next": ACTIVATE})
    assert response["Location"] == CONFIRM_CODE + "?next=" + NEXT
    mail = OutgoingMail.objects.get(recipient=user)
    assert (mail.to_address, mail.kind, mail.sensitive) == (user.email, "sign_in_code", True)
    assert mail.subject == "Consentry: Your confirmation code"
    assert "Was that not you? Then do not pass on this code" in mail.body

    page = client.get(CONFIRM_CODE, {"next": ACTIVATE}).text
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    response = client.post(CONFIRM_CODE, {"code": "00000000", "next": ACTIVATE})
    assert response.status_code == 200 and "That code is not right" in response.text
    assert client.get(ACTIVATE)["Location"].startswith(ASK_CODE)

    response = client.post(CONFIRM_CODE, {"code": mailed_code(user), "next": ACTIVATE})
    assert response["Location"] == ACTIVATE
    page = client.get(ACTIVATE).text
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page).group(1)
    assert client.post(ACTIVATE, {"code": totp_code(secret)}).status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()


def test_the_mailed_code_opens_the_set_up_for_a_few_minutes_only(world):
    user = without_totp(world.teacher)
    client = english()
    sign_in(client, world.teacher)
    confirm_by_mailed_code(client, user)
    assert client.get(ACTIVATE).status_code == 200
    six_minutes_later = time.time() + 6 * 60
    with mock.patch("time.time", return_value=six_minutes_later):
        assert client.get(ACTIVATE)["Location"].startswith(ASK_CODE)


def test_a_code_asked_for_before_sign_in_counts_too(world, guardian):
    """A guardian signed in by code has just proved the mailbox: no second code needed."""
    client = english()
    client.post("/login/code/", {"email": guardian.email})
    client.post("/login/code/confirm/", {"code": mailed_code(guardian)})
    assert signed_in_as(client) == str(guardian.pk)
    assert client.get(ACTIVATE).status_code == 200


def test_only_a_recent_mailed_code_lets_someone_set_up_a_first_app(world, rf):
    request = rf.get(ACTIVATE)
    request.session, request.user = SessionStore(), world.teacher
    assert needs_mailed_code_before_enrolment(request)
    record_authentication(request, world.teacher, method="password")
    assert needs_mailed_code_before_enrolment(request)
    record_authentication(request, world.teacher, method="code", reauthenticated=True)
    assert not needs_mailed_code_before_enrolment(request)
    with mock.patch("time.time", return_value=time.time() + 6 * 60):
        assert needs_mailed_code_before_enrolment(request)
    request.user = world.leadership  # has an app: turning on another is not a first one
    assert not needs_mailed_code_before_enrolment(request)
    request.user = AnonymousUser()
    assert not needs_mailed_code_before_enrolment(request)


def test_asking_for_confirmation_codes_too_often_is_slowed_down(world):
    client = english()
    sign_in(client, without_totp(world.teacher))
    for _ in range(3):
        assert client.post(ASK_CODE, {"next": ACTIVATE})["Location"].startswith(CONFIRM_CODE)
    response = client.post(ASK_CODE, {"next": ACTIVATE})
    assert response.status_code == 200 and "Too many attempts" in response.text
    assert OutgoingMail.objects.filter(recipient=world.teacher).count() == 3
