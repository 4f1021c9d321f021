"""One tone: Consentry's Dutch says "u", allauth's messages included; and the strings that
were found untranslated (issue 12, point 13) now read in the page's language.
"""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import allauth
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from consentry.accounts.models import User
from consentry.roster.guardians_csv import TEMPLATE
from consentry.roster.records import Loc, Problem
from consentry.web import allauth_messages
from tests.test_translations import PO, parse_po, split_header
from tests.world import PASSWORD

ALLAUTH_PO = Path(allauth.__file__).parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf)\b", re.IGNORECASE)


def browser(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


# -- "u", never "je" ----------------------------------------------------------------------------


def test_an_allauth_message_in_dutch_says_u(world):
    client = browser("nl")
    response = client.post(
        "/login/", {"login": world.teacher.email, "password": PASSWORD}, follow=True
    )
    assert "U bent ingelogd als Teacher of Zon." in response.text
    assert "Je bent" not in response.text  # allauth's own Dutch


def test_a_wrong_password_in_dutch_says_u(world):
    response = browser("nl").post("/login/", {"login": world.teacher.email, "password": "x"})
    assert "Het e-mailadres of het wachtwoord dat u hebt opgegeven is niet juist." in response.text
    assert "door jou" not in response.text


def test_no_dutch_text_of_ours_says_je():
    _header, messages = split_header(parse_po(PO))
    informal = [
        f"{entry}: {text!r}"
        for entry in messages
        for text in entry.msgstr.values()
        if INFORMAL.search(text)
    ]
    assert not informal, "Dutch says u, not je:\n  " + "\n  ".join(informal)


def test_every_allauth_message_we_translate_is_still_allauths():
    """If allauth rewords a message, our override would silently stop applying."""
    _header, theirs = split_header(parse_po(ALLAUTH_PO))
    their_ids = {entry.msgid for entry in theirs}
    gone = [message for message in allauth_messages.MESSAGES if message not in their_ids]
    assert not gone, f"no longer allauth msgids (check the new wording): {gone}"
    with translation.override("nl"):
        served = {message: translation.gettext(message) for message in allauth_messages.MESSAGES}
    informal = {m: text for m, text in served.items() if INFORMAL.search(text) or text == m}
    assert not informal


# -- the strings found untranslated ---------------------------------------------------------


def test_the_authenticator_code_label(rf):
    """allauth's label, "Authenticator code", reads the same in its Dutch."""
    from allauth.core.context import request_context
    from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthForm

    from consentry.accounts.forms import ActivateTOTPForm

    request = rf.get("/")
    request.session = {}
    with request_context(request), translation.override("nl"):
        ours = str(ActivateTOTPForm(user=User(email="t@example.nl")).fields["code"].label)
        theirs = str(AllauthForm(user=User(email="t@example.nl")).fields["code"].label)
    assert (ours, theirs) == ("Code uit de app", "Authenticator code")


@pytest.mark.parametrize(
    "language, heading, allauths",
    [("nl", "Bevestig dat u het bent", "Toegang bevestigen"), ("en", "Confirm it is you", "")],
)
def test_confirm_access(world, language, heading, allauths):
    client = browser(language)
    client.force_login(world.leadership)  # has an authenticator app: confirms with a code
    page = client.get("/security/reauthenticate/").text
    assert f"<h1>{heading}</h1>" in page
    assert "Confirm Access" not in page and (not allauths or allauths not in page)
    assert "je account" not in page


@pytest.mark.parametrize(
    "language, button, allauths",
    [
        ("nl", "Stuur mij een link om een nieuw wachtwoord te kiezen", "Herstel mijn wachtwoord"),
        ("en", "Email me a link to choose a new password", "Reset My Password"),
    ],
)
def test_reset_my_password(db, language, button, allauths):
    page = browser(language).get("/password/reset/").text
    assert f'<button type="submit">{button}</button>' in page
    assert allauths not in page and "Vul je e-mailadres" not in page


def test_the_sign_in_code_subject(world):
    """In the account's language, or the one picked on the sign-in page
    (tests/i18n/test_sign_in_language.py)."""
    from consentry.mail.models import OutgoingMail

    world.other_parent.preferred_language = "en"
    world.other_parent.save()
    browser("en").post("/login/code/", {"email": world.parent.email})
    browser("nl").post("/login/code/", {"email": world.other_parent.email})
    subjects = dict(OutgoingMail.objects.values_list("to_address", "subject"))
    assert subjects[world.parent.email] == "Consentry: Uw inlogcode"
    assert subjects[world.other_parent.email] == "Consentry: Your sign-in code"


def test_import_report_lines(world, tmp_path):
    with translation.override("nl"):
        assert (
            Problem("geen leerling", Loc("ouders.csv", 3)).text()
            == "ouders.csv, regel 3: geen leerling"
        )
    with translation.override("en"):
        assert Problem("no pupil", Loc("ouders.csv", 3)).text() == "ouders.csv, line 3: no pupil"

    path = tmp_path / "ouders.csv"
    path.write_text(
        TEMPLATE.strip() + "\n1001,Henk Bakker,henk@example.nl,ja\n9999,X,x@example.nl,ja\n"
    )
    out, err = StringIO(), StringIO()
    with translation.override("nl"), pytest.raises(Exception) as raised:
        call_command(
            "import", "guardians", str(path), "--school", str(world.school.pk), "--dry-run",
            stdout=out, stderr=err,
        )  # fmt: skip
    report = out.getvalue()
    assert "· proef" in report
    assert "nieuw" in report and "leerlingen" in report and "ouders/verzorgers" in report
    assert "fout: ouders.csv, regel 3, pupil_number: geen leerling" in err.getvalue()
    assert str(raised.value) == "1 fout: er is niets geïmporteerd."
    assert "dry run" not in report and "created" not in report


def test_the_retention_commands_output(world, monkeypatch):
    world.emma.left_on = timezone.localdate() - timedelta(days=3 * 366)
    world.emma.save()
    out = StringIO()
    with translation.override("nl"):
        call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"zou vernietigen schools.pupil #{world.emma.pk} (school {world.school.pk}):" in text
    assert "uitgeschreven op" in text
    assert "Proef: er is niets gewijzigd." in text
    assert "would destroy" not in text and "kept" not in text
