"""Guardians sign in with a one-time code sent by email: no password to remember."""

import time
from unittest import mock

from django.test import Client

from consentry.mail.models import OutgoingMail
from tests.accounts.conftest import code_in, english, signed_in_as

REQUEST = "/login/code/"
CONFIRM = "/login/code/confirm/"


def ask_for_code(client, email, capture=None):
    """Ask for a code; with `capture` the worker sends the mail (to the test's SMTP server)."""
    if capture is None:  # queued only: the code stays readable in the OutgoingMail row
        return client.post(REQUEST, {"email": email})
    with capture(execute=True):
        return client.post(REQUEST, {"email": email})


def queued_codes() -> list[str]:
    return [
        code_in(body) for body in OutgoingMail.objects.order_by("pk").values_list("body", flat=True)
    ]


def test_a_guardian_signs_in_with_the_code_from_the_mail(
    guardian, smtp_server, django_capture_on_commit_callbacks
):
    client = Client()
    response = ask_for_code(client, "Parent@Example.nl", django_capture_on_commit_callbacks)
    assert (response.status_code, response["Location"]) == (302, CONFIRM)
    assert signed_in_as(client) is None

    (message,) = smtp_server.to(guardian.email)
    assert message["Subject"] == "Consentry: Uw inlogcode"  # in the guardian's own language
    code = code_in(smtp_server.text(message))
    page = client.get(CONFIRM).text
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="id_code"' in page

    response = client.post(CONFIRM, {"code": code})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_as(client) == str(guardian.pk)
    assert client.get("/")["Location"] == "/children/"


def test_the_login_page_offers_the_code_to_guardians(db):
    page = english().get("/login/").text
    assert f'action="{REQUEST}"' in page and 'name="email"' in page
    assert "Email me a sign-in code" in page


def test_the_code_is_queued_as_a_sensitive_mail_and_erased_once_sent(
    guardian, smtp_server, django_capture_on_commit_callbacks
):
    ask_for_code(Client(), guardian.email, django_capture_on_commit_callbacks)
    mail = OutgoingMail.objects.get()
    assert (mail.kind, mail.sensitive, mail.recipient) == ("sign_in_code", True, guardian)
    assert (mail.status, mail.body) == ("sent", "")  # the log keeps no code


def test_the_mail_and_the_pages_after_sign_in_are_in_the_guardians_language(
    guardian, smtp_server, django_capture_on_commit_callbacks
):
    guardian.preferred_language = "en"
    guardian.save()
    client = Client(headers={"accept-language": "nl"})
    ask_for_code(client, guardian.email, django_capture_on_commit_callbacks)
    text = smtp_server.text(smtp_server.to(guardian.email)[0])
    assert "Your sign-in code for Consentry is:" in text

    response = client.post(CONFIRM, {"code": code_in(text)})
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/children/").text


def test_a_language_chosen_in_the_browser_is_kept_on_sign_in(guardian):
    client = english()  # the guardian's own language is Dutch
    ask_for_code(client, guardian.email)
    response = client.post(CONFIRM, {"code": queued_codes()[0]})
    assert signed_in_as(client) == str(guardian.pk)
    assert "django_language" not in response.cookies  # nothing overwritten
    assert '<html lang="en">' in client.get("/children/").text


def test_a_wrong_code_says_so_and_signs_nobody_in(guardian):
    client = english()
    ask_for_code(client, guardian.email)
    response = client.post(CONFIRM, {"code": "00000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert signed_in_as(client) is None


def test_after_three_wrong_tries_the_code_is_dead(guardian):
    client = english()
    ask_for_code(client, guardian.email)
    (code,) = queued_codes()
    for _ in range(3):
        response = client.post(CONFIRM, {"code": "00000000"})
    assert (response.status_code, response["Location"]) == (302, REQUEST)
    assert "no longer works" in client.get(REQUEST).text
    response = client.post(CONFIRM, {"code": code})  # the right code, too late
    assert response["Location"] == REQUEST
    assert signed_in_as(client) is None


def test_an_expired_code_is_refused_with_a_clear_message(guardian):
    client = english()
    ask_for_code(client, guardian.email)
    (code,) = queued_codes()
    eleven_minutes_later = time.time() + 11 * 60
    with mock.patch("time.time", return_value=eleven_minutes_later):
        response = client.post(CONFIRM, {"code": code})
    assert (response.status_code, response["Location"]) == (302, REQUEST)
    assert signed_in_as(client) is None
    assert "That sign-in code has expired" in client.get(REQUEST).text


def test_a_new_code_replaces_the_old_one(guardian):
    client = english()
    ask_for_code(client, guardian.email)
    assert "Send me a new code" in client.get(CONFIRM).text
    client.post(CONFIRM, {"action": "resend"})
    old, new = queued_codes()
    assert client.post(CONFIRM, {"code": old}).status_code == 200  # "not right"
    assert client.post(CONFIRM, {"code": new})["Location"] == "/"
    assert signed_in_as(client) == str(guardian.pk)


def test_another_address_can_be_tried_after_asking_for_a_code(guardian):
    client = english()
    ask_for_code(client, "typo@example.nl")
    assert client.get(REQUEST)["Location"] == CONFIRM  # a code is pending
    client.post("/logout/", {"next": REQUEST})
    assert client.get(REQUEST).status_code == 200
    assert ask_for_code(client, guardian.email)["Location"] == CONFIRM


def test_an_unknown_address_looks_the_same_and_gets_no_mail(guardian):
    known, unknown = english(), english()
    answer_known = ask_for_code(known, guardian.email)
    answer_unknown = ask_for_code(unknown, "nobody@example.nl")
    assert answer_unknown.status_code == answer_known.status_code == 302
    assert answer_unknown["Location"] == answer_known["Location"] == CONFIRM
    assert "If nobody@example.nl is known to the school" in unknown.get(CONFIRM).text
    assert list(OutgoingMail.objects.values_list("to_address", flat=True)) == [guardian.email]
    assert "That code is not right" in unknown.post(CONFIRM, {"code": "00000000"}).text
    assert signed_in_as(unknown) is None


def test_asking_for_codes_too_often_is_slowed_down(guardian):
    for _ in range(3):  # fresh browsers each time, as someone trying many codes would use
        assert ask_for_code(english(), guardian.email).status_code == 302
    response = ask_for_code(english(), guardian.email)
    assert response.status_code == 200
    assert "Too many attempts to sign in with this address" in response.text
    assert OutgoingMail.objects.count() == 3


def test_a_guardian_cannot_sign_in_with_a_password(guardian):
    client = english()
    for password in ("pw", "", "anything"):
        response = client.post("/login/", {"login": guardian.email, "password": password})
        assert response.status_code == 200
        assert signed_in_as(client) is None
    assert "not correct" in response.text


def test_a_code_sign_in_ends_with_the_browser_like_a_password_sign_in(guardian, settings):
    """No "remember me" on shared computers, whichever way someone signs in."""
    settings.SESSION_COOKIE_AGE = 30 * 60
    client = english()
    ask_for_code(client, guardian.email)
    response = client.post(CONFIRM, {"code": queued_codes()[0]})
    assert signed_in_as(client) == str(guardian.pk)
    assert response.cookies["sessionid"]["max-age"] == ""  # a cookie for this browser session
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 30 * 60  # idle: over after CONSENTRY_SESSION_SECONDS
