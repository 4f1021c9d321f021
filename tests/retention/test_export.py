"""The right of access: everything about a pupil, as JSON and as a zip, for who may have it."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.adhoc import services as adhoc
from consentry.audit.models import AuditEntry
from consentry.retention import registry
from tests.retention.helpers import give_history
from tests.world import make_user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def export(world, persona: str) -> dict:
    response = client_for(getattr(world, persona)).get(
        reverse("pupil_data_json", args=[world.emma.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


@pytest.fixture
def emma(world):
    return give_history(world)


def test_the_leadership_gets_everything_with_the_full_history(world, emma):
    data = export(world, "leadership")
    assert data["pupil"]["pupil_number"] == "1001"
    assert data["pupil"]["given_name"] == "Emma"
    history = [(e["category"], e["given"], e["decided_by"]) for e in data["consent_history"]]
    assert history == [
        (1, True, "Parent of Emma"),
        (4, True, "Parent of Emma"),
        (4, False, "Other parent of Emma"),
    ]
    assert [g["email"] for g in data["guardians"]] == [world.parent.email, world.other_parent.email]
    assert [(f["active"], f["reason"]) for f in data["never_photograph_flag"]] == [
        (True, "Custody dispute")
    ]
    assert {g["name"] for g in data["groups"]} == {"Zon", "Maan"}
    # A receipt to both guardians after each save, and the notice that they disagree.
    assert len(data["mail"]) == 5
    assert {e["action"] for e in data["audit_trail"]} >= {"consent.recorded", "never_flag.set"}


def test_the_privacy_officer_sees_the_flag_but_not_its_reason(world, emma):
    data = export(world, "privacy_officer")
    [flag] = data["never_photograph_flag"]
    assert flag["active"] is True
    assert "reason" not in flag


def test_a_guardian_gets_the_history_but_never_the_flag_nor_the_others_address(world, emma):
    data = export(world, "parent")
    assert "never_photograph_flag" not in data
    assert "Custody" not in json.dumps(data)
    assert len(data["consent_history"]) == 3
    assert data["guardians"] == [
        {"name": "Parent of Emma", "parental_authority": True, "email": world.parent.email},
        {"name": "Other parent of Emma", "parental_authority": True},
    ]
    assert {m["to"] for m in data["mail"]} == {world.parent.email}  # only their own mail
    assert "audit_trail" not in data and "other_records" not in data


def test_the_pupil_from_16_gets_their_own_export(world, emma):
    account = make_user("emma@example.nl", "Emma herself")
    emma.account = account
    emma.save(update_fields=["account"])
    response = client_for(account).get(reverse("pupil_data_json", args=[emma.pk]))
    assert response.status_code == 200
    assert json.loads(response.content)["own_account"]["email"] == "emma@example.nl"


@pytest.mark.parametrize(
    "persona", ["teacher", "other_teacher", "another_parent", "intern", "other_leadership"]
)
def test_nobody_else_gets_an_export(world, emma, persona):
    client = client_for(getattr(world, persona))
    for name in ("pupil_data", "pupil_data_json", "pupil_data_zip"):
        assert client.get(reverse(name, args=[emma.pk])).status_code == 404


def test_a_guardian_without_parental_authority_gets_no_export(world, emma):
    emma.guardianships.filter(guardian=world.other_parent).update(has_parental_authority=False)
    response = client_for(world.other_parent).get(reverse("pupil_data_json", args=[emma.pk]))
    assert response.status_code == 404


def test_the_zip_holds_a_readme_the_data_and_a_photos_folder(world, emma, settings):
    settings.LANGUAGE_CODE = "en"
    response = client_for(world.parent).get(reverse("pupil_data_zip", args=[emma.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["README.txt", "data.json", "photos/"]
    assert json.loads(archive.read("data.json"))["pupil"]["given_name"] == "Emma"
    readme = archive.read("README.txt").decode()
    assert "Everything Consentry holds about Emma Test" in readme
    assert "photos/" in readme


def test_photos_of_an_app_land_in_the_photos_folder(world, emma):
    registry.register_files("photos", lambda pupil, audience: [("../../class.jpg", b"\xff\xd8")])
    response = client_for(world.leadership).get(reverse("pupil_data_zip", args=[emma.pk]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read("photos/class.jpg") == b"\xff\xd8"  # no way out of the folder


def test_a_section_for_staff_only_stays_out_of_the_guardians_export(world, emma):
    registry.register_section(registry.Section("answers", lambda pupil: ["an answer"]))
    registry.register_section(registry.Section("shared", lambda pupil: [1], family=True))
    assert export(world, "leadership")["answers"] == ["an answer"]
    family = export(world, "parent")
    assert "answers" not in family and family["shared"] == [1]


def test_each_export_is_in_the_audit_trail(world, emma):
    export(world, "parent")
    entry = AuditEntry.objects.filter(action="pupil.exported").get()
    assert (entry.actor_id, entry.object_id) == (world.parent.pk, str(emma.pk))
    assert entry.data == {"format": "json", "for": "family"}


def test_the_data_page_links_the_downloads_and_offers_erasure_only_to_staff(world, emma, settings):
    settings.LANGUAGE_CODE = "en"
    url = reverse("pupil_data", args=[emma.pk])
    family = client_for(world.parent).get(url).content.decode()
    assert reverse("pupil_data_zip", args=[emma.pk]) in family
    assert reverse("pupil_erase", args=[emma.pk]) not in family
    staff = client_for(world.leadership).get(url).content.decode()
    assert "still at school" in staff  # a current pupil: erasure refused, and why


def test_the_pupil_page_links_the_data_page_for_guardians_and_leadership(world, emma):
    link = reverse("pupil_data", args=[emma.pk])
    page = reverse("pupil_consent", args=[emma.pk])
    assert link in client_for(world.parent).get(page).content.decode()
    assert link in client_for(world.leadership).get(page).content.decode()
    assert link not in client_for(world.teacher).get(page).content.decode()


def test_from_16_the_export_is_the_pupils_not_the_guardians(world, emma):
    from tests.consent.helpers import years_before

    emma.date_of_birth = years_before(timezone.localdate(), 16)
    emma.save(update_fields=["date_of_birth"])
    response = client_for(world.parent).get(reverse("pupil_data_json", args=[emma.pk]))
    assert response.status_code == 404


def test_a_guardian_gets_the_answers_to_separate_requests(world, emma):
    """Their answers to a separate request are theirs to see, like the leaflet's."""
    request = adhoc.create_request(
        school=world.school,
        actor=world.teacher,
        purpose="Foto in de krant",
        description="Na de sportdag.",
        pupils=[world.emma],
        deadline=timezone.localdate() + timedelta(days=7),
        send=True,
    )
    adhoc.answer(world.parent, request, world.emma, False)
    [asked] = export(world, "parent")["separate_requests"]
    assert asked["purpose"] == "Foto in de krant"
    assert [(a["given"], a["decided_by"]) for a in asked["answers"]] == [
        (False, world.parent.full_name)
    ]
