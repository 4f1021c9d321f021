"""Composed groups (samengestelde groepen, EDEXML) are stored as groups with their members:
synced on re-import, and visible to the teachers linked to them."""

from django.urls import reverse

from consentry.accounts.models import User
from consentry.schools import access
from consentry.schools.models import Group, Pupil

from . import builders as b
from .conftest import counts, do_import, errors

PLUS_TEACHER = (
    '<leerkracht key="T9"><achternaam>Plus</achternaam><roepnaam>Petra</roepnaam>'
    "<emailadres>petra@school.nl</emailadres><rol>LRK</rol>"
    '<groepen><samengestelde_groep key="PLUS"/></groepen></leerkracht>'
)
TEACHERS = [
    b.leerkracht("T1", "Fatima", "Amrani", "f.amrani@school.nl", ["G4A"], ["LRK"]),
    PLUS_TEACHER,
]
PUPILS = (
    b.leerling("3001", "Sem", "Plus", samengesteld=["PLUS"]),
    b.leerling("3002", "Tess", "Plus", groep="G5", samengesteld=["PLUS"]),
    b.leerling("3003", "Bram", "Gewoon", groep="G34"),
)


def school_file(*pupils: str) -> bytes:
    return b.edex(list(pupils), teachers=TEACHERS)


def members(group: Group) -> list[str]:
    return sorted(group.extra_pupils.values_list("pupil_number", flat=True))


def plus_group(world) -> Group:
    return Group.objects.get(school=world.school, source_key="PLUS", school_year="2025-2026")


def test_import_creates_the_composed_group_with_its_members(world):
    out = do_import("edex", school_file(*PUPILS))
    assert out.applied, errors(out)
    assert counts(out, "groups") == (4, 0, 0, 0)
    assert not any("composed groups" in w["text"] for w in out.summary["warnings"])
    plus = plus_group(world)
    assert (plus.name, plus.composed) == ("Plusgroep rekenen", True)
    assert members(plus) == ["3001", "3002"]
    tess = Pupil.objects.get(school=world.school, pupil_number="3002")
    assert tess.group.name == "Groep 5"  # the stamgroep stays the stamgroep
    assert not Group.objects.get(school=world.school, source_key="G5").composed


def test_reimport_changes_nothing(world):
    assert do_import("edex", school_file(*PUPILS)).applied
    before = sorted(Pupil.extra_groups.through.objects.values_list("pupil_id", "group_id"))
    out = do_import("edex", school_file(*PUPILS))
    assert out.applied, errors(out)
    assert counts(out, "groups") == (0, 0, 4, 0)
    assert counts(out, "pupils")[:2] == (0, 0)
    assert counts(out, "teachers")[:2] == (0, 0)
    after = sorted(Pupil.extra_groups.through.objects.values_list("pupil_id", "group_id"))
    assert after == before


def test_teacher_of_the_composed_group_sees_its_pupils(world, client):
    assert do_import("edex", school_file(*PUPILS)).applied
    petra = User.objects.get(email="petra@school.nl")
    plus = plus_group(world)
    assert plus in access.groups_visible_to(petra)
    visible = set(access.pupils_visible_to(petra).values_list("pupil_number", flat=True))
    assert visible == {"3001", "3002"}
    seen = set(access.pupils_seen_as_staff(petra).values_list("pupil_number", flat=True))
    assert seen == {"3001", "3002"}
    client.force_login(petra)
    response = client.get(reverse("group_matrix", kwargs={"group_id": plus.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sem" in html and "Tess" in html
    assert "Bram" not in html


def test_pupil_dropped_from_the_composed_group_loses_the_membership(world):
    assert do_import("edex", school_file(*PUPILS)).applied
    dropped = (
        b.leerling("3001", "Sem", "Plus", samengesteld=["PLUS"]),
        b.leerling("3002", "Tess", "Plus", groep="G5"),
        b.leerling("3003", "Bram", "Gewoon", groep="G34"),
    )
    out = do_import("edex", school_file(*dropped))
    assert out.applied, errors(out)
    assert counts(out, "pupils")[1] == 1  # Tess changed
    assert members(plus_group(world)) == ["3001"]
    petra = User.objects.get(email="petra@school.nl")
    visible = set(access.pupils_visible_to(petra).values_list("pupil_number", flat=True))
    assert visible == {"3001"}
