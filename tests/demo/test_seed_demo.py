"""The demo seed builds the school the demo's stories need, through the real services."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.consent.services import State, active_version, consent_overview
from consentry.demo.personas import PERSONA_EMAILS, PERSONAS
from consentry.retention.rules import expired_left_pupils
from consentry.schools.models import Department, Group, Guardianship, Pupil, School, StaffRole

Role = StaffRole.Role


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (School, Group, Pupil, User, Guardianship, ConsentEvent, NeverFlagEvent, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the whole module (it takes a second or so), and roll it back afterwards;
    each test still runs in its own savepoint inside that transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield django_settings.DATA_DIR  # where the seed stored its files (the photos)
        transaction.set_rollback(True)


@pytest.fixture
def school(seeded, db) -> School:
    return School.objects.get(brin="12AB")


def pupils_with(overview, predicate) -> int:
    return sum(predicate([v.state for v in verdicts.values()]) for verdicts in overview.values())


def test_the_leaflet_is_versie_2023_with_its_seven_categories(school):
    version = active_version(school)
    assert version.label == "versie 2023"
    assert version.intro_nl and version.intro_en and "Parro:" not in version.intro_nl
    categories = list(version.categories.all())
    assert [c.number for c in categories] == [1, 2, 3, 4, 6, 7, 8]
    assert categories[0].title_nl == "Onderwijsverslaggeving van uw kind"
    assert all(c.title_en and c.purpose_en and c.examples_en for c in categories)


def test_the_school_has_three_bouwen_six_groups_and_about_120_pupils(school):
    assert school.name == "De Loofhut" and school.city == "Almere"
    assert Department.objects.filter(school=school).count() == 3
    groups = Group.objects.filter(school=school, school_year="2026-2027")
    assert groups.count() == 6
    assert groups.filter(department__isnull=True).count() == 0
    assert all(group.teacher_roles.filter(role=Role.TEACHER).exists() for group in groups)
    assert 100 <= Pupil.objects.filter(school=school).count() <= 140


def test_every_persona_exists_with_its_role(school):
    users = {key: User.objects.get(email=email) for key, email in PERSONA_EMAILS.items()}
    zonnebloem = Group.objects.get(school=school, name="Zonnebloem")
    teacher = StaffRole.objects.get(user=users["teacher"], role=Role.TEACHER, school=school)
    assert list(teacher.groups.all()) == [zonnebloem]
    assert StaffRole.objects.filter(user=users["leadership"], role=Role.LEADERSHIP, school=school)
    assert StaffRole.objects.filter(
        user=users["privacy_officer"], role=Role.PRIVACY_OFFICER, school=None, board=school.board
    )
    assert StaffRole.objects.filter(user=users["intern"], role=Role.INTERN, school=school)
    assert users["leadership"].check_password("demo")
    assert not users["guardian"].has_usable_password()

    sanne_children = Pupil.objects.filter(
        guardianships__guardian=users["guardian"], guardianships__has_parental_authority=True
    )
    assert sanne_children.count() >= 2
    shared = sanne_children.filter(
        group=zonnebloem,
        guardianships__guardian=users["other_guardian"],
        guardianships__has_parental_authority=True,
    )
    assert shared.exists()

    ilse_child = Pupil.objects.get(guardianships__guardian=users["separated_parent"])
    assert consent_overview(Pupil.objects.filter(pk=ilse_child.pk))[ilse_child.pk][4].state == (
        State.CONFLICT
    )


def test_the_answers_cover_conflicts_never_flags_and_silence(school):
    overview = consent_overview(Pupil.objects.filter(school=school))
    assert pupils_with(overview, lambda states: State.CONFLICT in states) >= 2
    assert pupils_with(overview, lambda states: State.NEVER in states) >= 1
    assert pupils_with(overview, lambda states: set(states) == {State.UNANSWERED}) >= 1
    assert pupils_with(overview, lambda states: State.UNANSWERED not in states) > 60
    assert ConsentEvent.objects.filter(channel=ConsentEvent.Channel.PAPER).exclude(note="")


def test_the_audit_chain_is_real_and_intact(school):
    checked, problem = verify_chain()
    assert problem is None
    assert checked > ConsentEvent.objects.count()


def test_a_second_run_changes_nothing(school):
    before = counts()
    assert "already there" in seed()
    assert counts() == before


def test_two_pupils_left_and_one_is_due_for_erasure(school):
    left = Pupil.objects.filter(school=school, left_on__isnull=False)
    assert left.count() == 2 and not left.filter(group__isnull=False).exists()
    [due] = expired_left_pupils(timezone.now())
    assert due.pk in {p.pk for p in left}


def test_two_photos_of_zonnebloem_are_uploaded_by_the_teacher(school, seeded, settings):
    from consentry.photos import services as photo_services
    from consentry.photos import storage as photo_storage
    from consentry.photos.models import Photo

    settings.DATA_DIR = seeded  # not this test's fresh folder
    # A parent's own photos (tests/photos/test_parent_demo.py) are marked as from a parent.
    photos = list(Photo.objects.filter(school=school, from_guardian=False).order_by("pk"))
    assert len(photos) == 2
    teacher = User.objects.get(email=PERSONA_EMAILS["teacher"])
    for photo in photos:
        assert photo.group.name == "Zonnebloem"
        assert photo.uploaded_by == teacher
        # Detection is the worker's job (the tests' task backend runs it at once).
        assert photo.status in (Photo.Status.STORED, Photo.Status.READY)
        if photo.status == Photo.Status.READY:  # every drawn face is found
            assert (
                photo.faces.count()
                == {"schoolplein": 3, "knutselmiddag": 2}[photo.original_name.split("-")[0]]
            )
        assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (1200, 800)
        assert photo_storage.storage().exists(photo.storage_name)
        with photo_storage.storage().open(photo.storage_name, "rb") as handle:
            assert b"\xff\xd8\xff" not in handle.read()[:16]  # stored encrypted
        assert photo_services.read_original(photo)[:3] == b"\xff\xd8\xff"
    uploaded = AuditEntry.objects.filter(action="photo.uploaded", actor_id=teacher.pk)
    assert uploaded.count() == 2


def _readme_personas() -> list[list[str]]:
    """The rows of the persona table in README.md: persona, who, email address."""
    text = (Path(django_settings.PROJECT_DIR) / "README.md").read_text()
    table = text.split("| persona | who | email address |", 1)[1].split("\n\n", 1)[0]
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.strip().splitlines()[1:]
    ]


def test_the_readme_persona_table_matches_the_demo(school):
    """Every persona in the order of the login page, with the demo's own name and address,
    and each guardian's children named with the group the seed put them in."""
    rows = _readme_personas()
    assert [row[0] for row in rows] == [key.replace("_", " ") for key, _l, _e in PERSONAS]
    for (key, label, email), (_persona, who, address) in zip(PERSONAS, rows, strict=True):
        assert address == email
        name = str(label).rsplit("(", 1)[1].rstrip(")")
        assert who.startswith(f"{name}, "), (key, who)
        account = User.objects.get(email=email)
        children = {p.given_name: p.group.name for p in Pupil.objects.filter(guardians=account)}
        for child, group in re.findall(r"\b([A-Z]\w+) \(group (\w+)\)", who):
            assert children.get(child) == group, (key, child, children)
