"""Receipts: after a change, every guardian with authority gets one, through real SMTP."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from consentry.consent.services import decide, record_paper_form, set_never_flag
from consentry.mail import receipts
from consentry.mail.models import OutgoingMail
from consentry.mail.tasks import send_outgoing_mail
from tests.consent.helpers import years_before
from tests.world import make_pupil

FIXED = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)  # 14:05 in Amsterdam (winter time)


@pytest.fixture
def send(smtp_server):
    """Send every queued mail as the worker would, and return what the server received."""

    def run():
        for pk in (
            OutgoingMail.objects.filter(status="queued").order_by("pk").values_list("pk", flat=True)
        ):
            send_outgoing_mail.call(pk)
        return smtp_server

    return run


@pytest.fixture
def english(world):
    world.other_parent.preferred_language = "en"
    world.other_parent.save()


def test_both_guardians_get_a_receipt_of_the_change(world, english, send, monkeypatch, settings):
    settings.CONSENTRY_BASE_URL = "https://toestemming.example.nl/"
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    decide(world.parent, world.emma, {4: False})
    server = send()
    assert sorted(m["X-Envelope-To"] for m in server.messages) == [
        "other.parent@example.nl",
        "parent@example.nl",
    ]
    (dutch,) = server.to("parent@example.nl")
    text = server.text(dutch)
    assert "Emma Test" in dutch["Subject"]
    assert "4. Categorie 4:" in text  # the title in the recipient's language
    assert "Parent of Emma" in text  # who
    assert "2 maart 2026, 14:05" in text  # when, in Amsterdam, in Dutch
    assert "versie 2023" in text  # under which leaflet version
    assert f"https://toestemming.example.nl/pupils/{world.emma.pk}/" in text
    assert f"https://toestemming.example.nl/pupils/{world.emma.pk}/history/" in text

    (english_mail,) = server.to("other.parent@example.nl")
    text = server.text(english_mail)
    assert english_mail["Subject"] == "Receipt: consent for Emma Test changed"
    assert "- 4. Category 4: no answer → no" in text  # old → new
    assert "Changed by: Parent of Emma (guardian)" in text
    assert "Channel: web" in text
    assert "When: 2 March 2026, 14:05" in text
    assert "Leaflet version: versie 2023" in text
    assert "disagree" not in text


def test_the_receipt_shows_the_old_answer(world, english, send):
    decide(world.other_parent, world.emma, {4: True, 6: True})
    OutgoingMail.objects.all().delete()
    decide(world.other_parent, world.emma, {4: False, 6: True})
    server = send()
    text = server.text(server.to("other.parent@example.nl")[0])
    assert "- 4. Category 4: yes → no" in text
    assert "Category 6" not in text  # unchanged: not in the receipt


def test_a_conflict_is_explained_to_every_guardian(world, english, send):
    decide(world.parent, world.emma, {4: True})
    OutgoingMail.objects.all().delete()
    decide(world.other_parent, world.emma, {4: False})
    server = send()
    assert len(server.to("parent@example.nl")) == len(server.to("other.parent@example.nl")) == 1
    text = server.text(server.to("other.parent@example.nl")[0])
    assert "(the guardians disagree)" in server.to("other.parent@example.nl")[0]["Subject"]
    assert "THE GUARDIANS DISAGREE" in text
    assert "Until you agree, the answer counts as no" in text
    dutch = server.text(server.to("parent@example.nl")[0])
    assert "Categorie 4" in dutch.split(str(world.leaflet.label))[1]  # listed under the conflict


def test_the_leadership_is_told_when_guardians_come_to_disagree(world, english, send):
    """A conflict means no; only the school can help the parents agree, so it is told at
    once, without who said what. The leadership of another school hears nothing."""
    decide(world.parent, world.emma, {4: True})
    assert not OutgoingMail.objects.filter(recipient=world.leadership).exists()  # no conflict
    decide(world.other_parent, world.emma, {4: False})
    server = send()
    [notice] = server.to("leadership@school.nl")  # in the leadership's own language (nl)
    assert (
        notice["Subject"].strip()
        == "De ouders/verzorgers van Emma Test zijn het niet eens over toestemming"
    )
    text = server.text(notice)
    assert "- 4. " in text and f"/pupils/{world.emma.pk}/history/" in text
    assert "Parent" not in text  # who said what is for the history page
    assert not server.to("leadership@other.nl")
    # Agreeing again tells nobody at the school.
    OutgoingMail.objects.all().delete()
    decide(world.parent, world.emma, {4: False})
    assert not OutgoingMail.objects.filter(recipient=world.leadership).exists()


def test_consent_does_not_import_mail():
    """Receipts hang on `consent.signals.consent_recorded`: mail builds on consent, so the
    engine must not import it (an import circle the other way round)."""
    import ast
    from pathlib import Path

    import consentry.consent

    for path in Path(consentry.consent.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            assert not any(n.startswith("consentry.mail") for n in names), path


def test_no_receipt_when_nothing_changed(world, send):
    decide(world.parent, world.emma, {4: True})
    OutgoingMail.objects.all().delete()
    assert decide(world.parent, world.emma, {4: True}) == []
    assert not OutgoingMail.objects.exists()
    assert not send().messages


def test_a_paper_form_receipt_says_paper_and_on_whose_behalf(world, english, send):
    record_paper_form(
        world.leadership, world.emma, {4: False}, signed_by=world.parent, note="Signed."
    )
    server = send()
    assert len(server.messages) == 2
    text = server.text(server.to("other.parent@example.nl")[0])
    assert "Changed by: Leadership (staff, recording a paper form)" in text
    assert "On behalf of: Parent of Emma" in text
    assert "Channel: paper form" in text


def test_the_never_flag_never_reaches_a_guardian(world, english, send):
    set_never_flag(world.leadership, world.emma, active=True, reason="Custody dispute: secret.")
    assert not OutgoingMail.objects.exists()  # a flag is no receipt
    decide(world.parent, world.emma, {4: True})
    decide(world.other_parent, world.emma, {4: False})
    server = send()
    for message in server.messages:
        text = (message["Subject"] + server.text(message)).lower()
        assert "never" not in text and "nooit" not in text and "custody" not in text
    # The guardians see what their answers mean: a conflict, not the flag.
    assert "THE GUARDIANS DISAGREE" in server.text(server.to("other.parent@example.nl")[-1])


def test_a_guardian_without_authority_gets_no_receipt(world, send):
    world.emma.guardianships.filter(guardian=world.other_parent).update(
        has_parental_authority=False
    )
    decide(world.parent, world.emma, {4: True})
    assert [m["X-Envelope-To"] for m in send().messages] == ["parent@example.nl"]


def test_the_api_channel_is_named(world, english, send):
    decide(world.parent, world.emma, {4: True}, channel="api")
    server = send()
    assert "Channel: API" in server.text(server.to("other.parent@example.nl")[0])


def test_a_pupil_of_16_gets_a_receipt_too(world, send, django_user_model):
    account = django_user_model.objects.create_user("sanne@pupil.nl", "pw", full_name="S")
    born = years_before(timezone.localdate(), 16)
    sixteen = make_pupil(world.school, world.group, "1601", "Sanne", date_of_birth=born)
    sixteen.guardianships.create(guardian=world.parent, has_parental_authority=True)
    sixteen.account = account
    sixteen.save()
    decide(sixteen.account, sixteen, {4: True})
    assert sorted(m["X-Envelope-To"] for m in send().messages) == [
        "parent@example.nl",
        "sanne@pupil.nl",
    ]


def test_receipts_are_logged_per_recipient(world):
    decide(world.parent, world.emma, {4: True})
    rows = OutgoingMail.objects.order_by("to_address")
    assert [(m.kind, m.pupil_id, m.school_id, m.recipient_id) for m in rows] == [
        ("receipt", world.emma.pk, world.school.pk, world.other_parent.pk),
        ("receipt", world.emma.pk, world.school.pk, world.parent.pk),
    ]


def test_no_receipts_while_paused_for_the_demo_seed(world):
    with receipts.paused():
        decide(world.parent, world.emma, {4: True})
    assert not OutgoingMail.objects.exists()
    decide(world.parent, world.emma, {4: False})
    assert OutgoingMail.objects.count() == 2
