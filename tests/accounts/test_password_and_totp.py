"""Staff sign in with a password; leadership and privacy officers also with an authenticator app."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import get_resolver

from consentry.accounts.middleware import ALLOWED_URL_NAMES
from tests.access.test_every_url import _reverse, _url_kwargs, _walk
from tests.accounts.conftest import english, signed_in_as, totp_code
from tests.world import PASSWORD, make_leaflet

ACTIVATE = "/security/totp/activate/"
AUTHENTICATE = "/security/authenticate/"


def sign_in(client, user, password=PASSWORD):
    return client.post("/login/", {"login": user.email, "password": password})


def without_totp(user):
    Authenticator.objects.filter(user=user).delete()
    return user


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
