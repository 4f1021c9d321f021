"""The public report form and the register pages, through the browser's eyes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.breaches import services
from consentry.breaches.models import Breach
from consentry.mail.models import OutgoingMail
from tests.breaches.helpers import report


def moment(delta: timedelta) -> str:
    """A value for a datetime-local input, `delta` from now on the school's wall clock."""
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def valid_report(**changes) -> dict[str, str]:
    data = {
        "description": "The class list with addresses was e-mailed to all parents of group Zon.",
        "occurred_at": moment(-timedelta(hours=5)),
        "discovered_at": moment(-timedelta(hours=2)),
        "reporter_name": "A parent",
        "reporter_email": "reporter@example.nl",
        "website": "",
    }
    return {**data, **changes}


def english() -> Client:
    return Client(headers={"accept-language": "en"})


def signed_in(user) -> Client:
    client = english()
    client.force_login(user)
    return client


# The public form


def test_anyone_can_report_and_gets_a_receipt(world):
    client = Client()
    url = reverse("breach_report", args=[world.school.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, valid_report())
    assert response.status_code == 302
    breach = Breach.objects.get()
    assert breach.school == world.school and breach.reported_by is None
    assert breach.reference.startswith("DL-")
    receipt = client.get(response["Location"])
    assert breach.reference in receipt.content.decode()

    to = set(OutgoingMail.objects.values_list("to_address", flat=True))
    assert to == {world.leadership.email, world.privacy_officer.email, "reporter@example.nl"}
    reporter_mail = OutgoingMail.objects.get(to_address="reporter@example.nl")
    assert breach.reference in reporter_mail.subject
    assert "class list" not in reporter_mail.body  # the report itself stays out of mail
    entry = AuditEntry.objects.get(action="breach.reported")
    assert entry.actor_label == "public form" and entry.data == {"reference": breach.reference}


def test_reporting_without_an_address_sends_no_receipt(world):
    Client().post(
        reverse("breach_report", args=[world.school.pk]),
        valid_report(reporter_email="", reporter_name=""),
    )
    assert Breach.objects.count() == 1
    assert OutgoingMail.objects.count() == 2  # the leadership and the privacy officer


def test_the_receipt_page_shows_only_ones_own_report(world):
    Client().post(reverse("breach_report", args=[world.school.pk]), valid_report())
    response = Client().get(reverse("breach_received", args=[world.school.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("breach_report", args=[world.school.pk])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": ""}, "description", "This field is required."),
        ({"discovered_at": ""}, "discovered_at", "This field is required."),
        ({"discovered_at": "yesterday"}, "discovered_at", "Enter a valid date/time."),
        ({"discovered_at": moment(timedelta(days=1))}, "discovered_at", "in the future"),
        ({"occurred_at": moment(timedelta(days=1))}, "occurred_at", "in the future"),
        (
            {"occurred_at": moment(-timedelta(hours=1))},
            "discovered_at",
            "cannot have been discovered before it happened",
        ),
        ({"reporter_email": "not an address"}, "reporter_email", "valid email"),
        ({"website": "http://spam.example"}, "website", "Leave this field empty"),
        ({"description": "x" * 2001}, "description", "at most 2000 characters"),
    ],
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(world, changes, field, message):
    audit_before = AuditEntry.objects.count()
    response = english().post(
        reverse("breach_report", args=[world.school.pk]), valid_report(**changes)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not Breach.objects.exists()
    assert not OutgoingMail.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_one_sender_cannot_flood_the_form(world):
    url = reverse("breach_report", args=[world.school.pk])
    for _ in range(services.REPORTS_PER_SENDER_PER_HOUR):
        assert english().post(url, valid_report()).status_code == 302
    response = english().post(url, valid_report())
    assert response.status_code == 200
    assert "You sent several reports in the last hour" in response.content.decode()
    assert Breach.objects.count() == services.REPORTS_PER_SENDER_PER_HOUR


def test_the_limit_counts_each_sender_across_schools(world):
    """One sender's reports do not use up another's; spreading them over a board's schools
    does not buy more (a parent reporting one leak to two schools stays well under it)."""
    url = reverse("breach_report", args=[world.school.pk])
    other_url = reverse("breach_report", args=[world.other_school.pk])
    flooder = Client(REMOTE_ADDR="192.0.2.1", headers={"accept-language": "en"})
    neighbour = Client(REMOTE_ADDR="192.0.2.2", headers={"accept-language": "en"})
    limit = services.REPORTS_PER_SENDER_PER_HOUR
    for n in range(limit):
        assert flooder.post(url if n % 2 else other_url, valid_report()).status_code == 302
    assert flooder.post(url, valid_report()).status_code == 200  # refused here
    assert flooder.post(other_url, valid_report()).status_code == 200  # and there
    assert neighbour.post(url, valid_report()).status_code == 302  # another sender: stored
    assert Breach.objects.count() == limit + 1


def test_receipts_to_one_address_are_limited_and_carry_nothing_the_sender_wrote(world):
    """The form takes any address: Consentry must not become a way to mail anyone."""
    victim = "someone.else@example.nl"
    schools = [world.school, world.other_school]
    for n in range(services.RECEIPTS_PER_ADDRESS_PER_DAY + 2):
        sender = Client(REMOTE_ADDR=f"192.0.2.{n + 10}", headers={"accept-language": "en"})
        body = valid_report(reporter_email=victim, reporter_name="Buy cheap pills at spam.example")
        url = reverse("breach_report", args=[schools[n % 2].pk])
        assert sender.post(url, body).status_code == 302
    assert Breach.objects.count() == services.RECEIPTS_PER_ADDRESS_PER_DAY + 2  # all stored
    receipts = OutgoingMail.objects.filter(to_address=victim)
    assert receipts.count() == services.RECEIPTS_PER_ADDRESS_PER_DAY
    for mail in receipts:
        assert "spam.example" not in mail.subject + mail.body
        assert "class list" not in mail.body  # nor the description


def test_a_flood_cannot_silence_a_real_report(world):
    """Past the school's hourly number a report is still stored; only its mails wait."""
    for _ in range(services.PUBLIC_REPORTS_PER_HOUR):
        report(world.school, timezone.now() - timedelta(hours=1), now=timezone.now())
    OutgoingMail.objects.all().delete()
    response = english().post(reverse("breach_report", args=[world.school.pk]), valid_report())
    assert response.status_code == 302
    assert Breach.objects.count() == services.PUBLIC_REPORTS_PER_HOUR + 1
    assert not OutgoingMail.objects.exists()


def test_reporting_at_an_unknown_school_is_404(world):
    assert Client().get(reverse("breach_report", args=[999999])).status_code == 404


# The register


@pytest.fixture
def breach(world) -> Breach:
    return report(world.school, timezone.now() - timedelta(hours=50))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leadership", 200),
        ("privacy_officer", 200),
        ("teacher", 404),
        ("parent", 404),
        ("intern", 404),
        ("other_leadership", 404),
    ],
)
def test_only_the_leadership_and_privacy_officer_see_the_register(world, breach, persona, status):
    client = signed_in(getattr(world, persona))
    assert client.get(reverse("breach_register", args=[world.school.pk])).status_code == status
    assert client.get(reverse("breach_detail", args=[breach.pk])).status_code == status


def test_the_register_shows_the_countdown_in_words(world, breach):
    page = signed_in(world.leadership).get(reverse("breach_register", args=[world.school.pk]))
    text = page.content.decode()
    assert breach.reference in text
    assert "Due within 24 hours" in text and "21 h" in text


def test_an_overdue_breach_says_so(world):
    late = report(world.school, timezone.now() - timedelta(hours=80))
    page = signed_in(world.privacy_officer).get(reverse("breach_detail", args=[late.pk]))
    assert "Overdue" in page.content.decode()


def test_keeping_the_register_is_audited_without_its_free_text(world, breach):
    url = reverse("breach_detail", args=[breach.pk])
    response = signed_in(world.privacy_officer).post(
        url,
        {
            "discovered_at": timezone.localtime(breach.discovered_at).strftime("%Y-%m-%dT%H:%M"),
            "data_concerned": "Names and home addresses",
            "people_concerned": "Guardians of group Zon",
            "people_count": "48",
            "cause": "Wrong distribution list",
            "risk": "risk",
            "measures": "Asked everyone to delete the mail.",
        },
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert (breach.people_count, breach.risk) == (48, "risk")
    entry = AuditEntry.objects.get(action="breach.updated")
    changed = entry.data["changed"]
    assert changed["people_count"] == 48 and changed["risk"] == "risk"
    assert changed["measures"] == "(text changed)"
    assert "Names" not in str(entry.data)


def test_a_bad_date_in_the_register_changes_nothing(world, breach):
    before = breach.discovered_at
    response = signed_in(world.leadership).post(
        reverse("breach_detail", args=[breach.pk]),
        {
            "occurred_at": moment(-timedelta(hours=10)),
            "discovered_at": moment(-timedelta(hours=60)),
            "people_count": "3",
        },
    )
    assert response.status_code == 200
    assert "discovered_at" in response.context["form"].errors
    breach.refresh_from_db()
    assert breach.discovered_at == before and breach.people_count is None
    assert not AuditEntry.objects.filter(action="breach.updated").exists()


def test_recording_the_ap_notification_through_the_page(world, breach):
    client = signed_in(world.leadership)
    url = reverse("breach_authority", args=[breach.pk])
    future = client.post(url, {"decision": "notified", "notified_at": moment(timedelta(hours=1))})
    assert future.status_code == 200
    breach.refresh_from_db()
    assert breach.ap_notified_at is None

    response = client.post(
        url, {"decision": "notified", "notified_at": moment(-timedelta(minutes=5))}
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.ap_notified_at is not None
    assert breach.clock(timezone.now() + timedelta(days=5)).ticking is False


def test_closing_through_the_page_requires_measures(world, breach):
    client = signed_in(world.leadership)
    client.post(reverse("breach_close", args=[breach.pk]))
    breach.refresh_from_db()
    assert breach.closed_at is None


def test_a_closed_breach_can_no_longer_be_changed(world, breach):
    Breach.objects.filter(pk=breach.pk).update(
        measures="Deleted.", risk="risk", ap_notified_at=timezone.now(), closed_at=timezone.now()
    )
    response = signed_in(world.leadership).post(
        reverse("breach_detail", args=[breach.pk]),
        {"discovered_at": moment(-timedelta(hours=1)), "people_count": "9"},
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.people_count is None
