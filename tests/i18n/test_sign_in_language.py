"""The language picked on the sign-in page survives signing in and becomes the person's own.

Picked with the switch while signed out, it is kept through a password or a code sign-in,
it is stored as `User.preferred_language` (so the school's mail follows it), and a sign-in
code asked for on that page comes in it too. A choice by whoever used the browser before
does not carry over to the next person.
"""

from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from consentry.accounts.language import (
    CHOSEN_LANGUAGE_SESSION_KEY,
    language_after_sign_in,
    remember_choice,
)
from consentry.mail.models import OutgoingMail
from tests.accounts.conftest import code_in, signed_in_as
from tests.world import PASSWORD


def pick(client: Client, language: str) -> None:
    """Use the language switch in the header of the sign-in page."""
    assert client.get("/login/").status_code == 200
    response = client.post("/i18n/setlang/", {"language": language, "next": "/login/"})
    assert response["Location"] == "/login/"


def test_a_language_picked_on_the_sign_in_page_survives_a_password_sign_in(world):
    assert world.teacher.preferred_language == "nl"
    client = Client()
    pick(client, "en")
    response = client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert signed_in_as(client) == str(world.teacher.pk)
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/groups/").text
    world.teacher.refresh_from_db()
    assert world.teacher.preferred_language == "en"  # and the school's mail follows it


def test_a_language_picked_on_the_sign_in_page_survives_a_code_sign_in(world):
    guardian = world.parent
    guardian.set_unusable_password()
    guardian.save()
    client = Client()
    pick(client, "en")
    client.post("/login/code/", {"email": guardian.email})
    mail = OutgoingMail.objects.get(recipient=guardian)
    assert mail.subject == "Consentry: Your sign-in code"  # the code comes in English too
    assert "Your sign-in code for Consentry is:" in mail.body

    client.post("/login/code/confirm/", {"code": code_in(mail.body)})
    assert signed_in_as(client) == str(guardian.pk)
    assert '<html lang="en">' in client.get("/children/").text
    guardian.refresh_from_db()
    assert guardian.preferred_language == "en"


def test_dutch_picked_on_the_sign_in_page_wins_over_an_english_account(world):
    world.teacher.preferred_language = "en"
    world.teacher.save()
    client = Client()
    client.cookies["django_language"] = "en"  # from an earlier visit
    pick(client, "nl")
    client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})
    assert '<html lang="nl">' in client.get("/groups/").text
    world.teacher.refresh_from_db()
    assert world.teacher.preferred_language == "nl"


def test_the_previous_persons_pick_does_not_change_the_next_persons_language(world):
    """A shared school computer: signing out ends the session, and the pick with it."""
    client = Client()
    pick(client, "en")
    client.post("/login/", {"login": world.teacher.email, "password": PASSWORD})
    client.post("/logout/")
    client.post("/login/", {"login": world.other_teacher.email, "password": PASSWORD})
    assert signed_in_as(client) == str(world.other_teacher.pk)
    world.other_teacher.refresh_from_db()
    assert world.other_teacher.preferred_language == "nl"


def test_the_code_mail_is_in_the_accounts_language_when_nothing_was_picked(world):
    world.parent.preferred_language = "en"
    world.parent.save()
    Client(headers={"accept-language": "nl"}).post("/login/code/", {"email": world.parent.email})
    assert OutgoingMail.objects.get().subject == "Consentry: Your sign-in code"


def test_the_dutch_sign_in_code_subject(world):
    Client().post("/login/code/", {"email": world.parent.email})
    assert OutgoingMail.objects.get().subject == "Consentry: Uw inlogcode"


# -- the rule --------------------------------------------------------------------------------


def request_with_session(user=None, cookie: str | None = None):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user or AnonymousUser()
    if cookie:
        request.COOKIES["django_language"] = cookie
    return request


def test_the_rule_a_pick_is_stored_and_used_once(world):
    request = request_with_session()
    remember_choice(request, "en")
    remember_choice(request, "xx")  # not a language of the site: ignored
    assert request.session[CHOSEN_LANGUAGE_SESSION_KEY] == "en"
    assert language_after_sign_in(request, world.teacher) == "en"
    world.teacher.refresh_from_db()
    assert world.teacher.preferred_language == "en"
    assert CHOSEN_LANGUAGE_SESSION_KEY not in request.session


def test_the_rule_without_a_pick(world):
    # No pick and no cookie: the person's own language.
    assert language_after_sign_in(request_with_session(), world.teacher) == "nl"
    # An earlier choice in this browser (the cookie) is kept, but not stored.
    assert language_after_sign_in(request_with_session(cookie="en"), world.teacher) is None
    world.teacher.refresh_from_db()
    assert world.teacher.preferred_language == "nl"


def test_the_rule_a_signed_in_switch_is_not_a_pick_for_a_sign_in(world):
    request = request_with_session(user=world.teacher)
    remember_choice(request, "en")
    assert CHOSEN_LANGUAGE_SESSION_KEY not in request.session
