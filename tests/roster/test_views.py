"""The leadership's roster pages: upload, dry-run report, confirm or discard; who has not
signed in. Only the leadership of that school may use them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.roster.models import RosterImport
from consentry.schools.models import Guardianship, Pupil, StaffRole
from tests.world import give_totp

from . import builders as b
from .test_edex import SENSITIVE, SENSITIVE_VALUES
from .test_guardians_csv import guardians_csv
from .test_sync import snapshot

NEW_PUPILS = [
    b.leerling("1001", "Emma", "Test"),
    b.leerling("1002", "Noah", "Test"),
    b.leerling("3001", "Daan", "Vos"),
]


def upload_url(world) -> str:
    return reverse("roster_upload", args=[world.school.pk])


def post_file(client, world, data: bytes, kind: str = "edex", name: str = "export.xml", **extra):
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(upload_url(world), {"kind": kind, "file": file, **extra})


@pytest.fixture
def client():
    """Pages in English: the Dutch catalogue must not change what tests read."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def leader(world, client):
    client.force_login(world.leadership)
    return client


def pending_of(response) -> RosterImport:
    return RosterImport.objects.get(pk=response.url.rstrip("/").split("/")[-1])


@pytest.mark.parametrize("who", ["teacher", "other_leadership", "privacy_officer", "parent"])
def test_only_the_leadership_of_the_school(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get(upload_url(world)).status_code == 404
    assert post_file(client, world, b.edex(NEW_PUPILS)).status_code == 404
    assert client.get(reverse("roster_guardians", args=[world.school.pk])).status_code == 404
    assert not RosterImport.objects.exists()


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(upload_url(world))
    assert response.status_code == 302 and "/login/" in response.url


def test_upload_dry_run_then_confirm(world, leader):
    assert leader.get(upload_url(world)).status_code == 200
    before = snapshot()
    sem = b.leerling("3003", "Sem", "Vos", extra=SENSITIVE)
    response = post_file(leader, world, b.edex([*NEW_PUPILS, sem]))
    assert response.status_code == 302
    pending = pending_of(response)
    assert pending.status == "pending" and len(pending.sha256) == 64
    assert snapshot() == before  # the dry run wrote nothing but the pending upload
    stored = repr(pending.payload) + repr(pending.summary)
    assert "Sem" in stored and not any(value in stored for value in SENSITIVE_VALUES)

    page = leader.get(response.url)
    content = page.content.decode()
    assert page.status_code == 200 and "nothing has been imported yet" in content
    assert "Sem Vos" in content and 'value="confirm"' in content

    done = leader.post(
        response.url, {"action": "confirm", "payload_sha256": pending.payload_sha256}
    )
    assert done.status_code == 302 and done.url == upload_url(world)
    assert Pupil.objects.filter(school=world.school, pupil_number="3003").exists()
    pending.refresh_from_db()
    assert pending.status == "applied" and pending.payload is None
    entry = AuditEntry.objects.get(action="roster.imported")
    assert entry.actor_id == world.leadership.pk and entry.data["via"] == "web"
    again = leader.post(
        response.url, {"action": "confirm", "payload_sha256": pending.payload_sha256}
    )
    assert again.status_code == 403  # a confirmed upload cannot be applied twice


def test_discard(world, leader):
    pending = pending_of(post_file(leader, world, b.edex(NEW_PUPILS)))
    response = leader.post(
        reverse("roster_preview", args=[world.school.pk, pending.pk]), {"action": "discard"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "discarded" and pending.payload is None
    assert not Pupil.objects.filter(pupil_number="3001").exists()


def test_confirm_needs_the_previewed_hash_and_the_same_person(world, leader, client):
    pending = pending_of(post_file(leader, world, b.edex(NEW_PUPILS)))
    url = reverse("roster_preview", args=[world.school.pk, pending.pk])
    assert leader.post(url, {"action": "confirm", "payload_sha256": "0" * 64}).status_code == 403
    colleague = give_totp(world.intern)  # leadership must have an authenticator app
    StaffRole.objects.create(
        user=colleague, board=world.board, school=world.school, role=StaffRole.Role.LEADERSHIP
    )
    other = Client()
    other.force_login(colleague)
    assert (
        other.post(url, {"action": "confirm", "payload_sha256": pending.payload_sha256}).status_code
        == 403
    )
    assert not Pupil.objects.filter(pupil_number="3001").exists()


def test_a_tampered_payload_is_not_applied(world, leader):
    pending = pending_of(post_file(leader, world, b.edex(NEW_PUPILS)))
    pending.payload["schools"][0]["pupils"][0]["given_name"] = "Mallory"
    pending.save()
    url = reverse("roster_preview", args=[world.school.pk, pending.pk])
    response = leader.post(url, {"action": "confirm", "payload_sha256": pending.payload_sha256})
    assert response.status_code == 404
    assert not Pupil.objects.filter(given_name="Mallory").exists()


def test_an_old_pending_upload_cannot_be_confirmed_and_is_forgotten(world, leader):
    pending = pending_of(post_file(leader, world, b.edex(NEW_PUPILS)))
    RosterImport.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(days=2))
    url = reverse("roster_preview", args=[world.school.pk, pending.pk])
    confirm = {"action": "confirm", "payload_sha256": pending.payload_sha256}
    assert leader.post(url, confirm).status_code == 403
    leader.get(upload_url(world))  # any visit to the upload page clears stale uploads
    pending.refresh_from_db()
    assert pending.status == "discarded" and pending.payload is None


def test_an_invalid_file_shows_errors_and_cannot_be_confirmed(world, leader):
    response = post_file(leader, world, b.edex([b.leerling("1001", groep="NOPE")]))
    pending = pending_of(response)
    assert pending.payload is None
    content = leader.get(response.url).content.decode()
    assert "cannot be imported" in content and "NOPE" in content
    assert 'value="confirm"' not in content


def test_a_file_for_another_school_is_refused(world, leader):
    pending = pending_of(post_file(leader, world, b.edex(NEW_PUPILS, brin="88YY")))
    assert pending.payload is None and "not for De Test-Loofhut" in repr(pending.summary)


def test_csrf_is_required(world):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(world.leadership)
    assert post_file(client, world, b.edex(NEW_PUPILS)).status_code == 403


@override_settings(ROSTER_MAX_UPLOAD_BYTES=1000)
def test_the_file_size_is_limited(world, leader):
    response = post_file(leader, world, b.generated_edex(b.generated_pupils(50)))
    assert response.status_code == 200 and "larger than" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_guardians_csv_and_who_has_not_signed_in(world, leader):
    response = post_file(
        leader, world, guardians_csv(delimiter=";"), kind="guardians", name="ouders.csv"
    )
    pending = pending_of(response)
    leader.post(response.url, {"action": "confirm", "payload_sha256": pending.payload_sha256})
    assert Guardianship.objects.filter(guardian__email="henk@example.nl").exists()
    world.parent.last_login = timezone.now()
    world.parent.save()
    page = leader.get(reverse("roster_guardians", args=[world.school.pk])).content.decode()
    assert "henk@example.nl" in page and "sanne.devries@example.nl" in page
    assert "another.parent@example.nl" in page  # never signed in, not invited by an import
    assert "parent@example.nl</td>" not in page.replace("other.parent@example.nl</td>", "")
    assert "1 guardian has signed in." in page


def test_oneroster_zip_upload(world, leader):
    world.school.brin = "10ZZ"
    world.school.save()
    response = post_file(
        leader,
        world,
        b.zipped(b.board_package(2, 3)),
        kind="oneroster",
        name="oneroster.zip",
        partial="on",
    )
    pending = pending_of(response)
    assert len(pending.payload["schools"]) == 1  # the other school's data is not kept
    assert pending.summary["pupils"]["created"] == 3


def test_guardians_template_download(world, leader):
    response = leader.get(reverse("roster_guardians_template"))
    assert response.content.decode().startswith("pupil_number,guardian_name,email,")
