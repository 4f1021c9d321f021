"""Re-import is a sync: matching on stable keys, moves, leavers, school years, dry runs,
all-or-nothing, and what is never stored. EDEXML into the shared test world (BRIN 99XX)."""

from datetime import date

import pytest
from django.db import connection

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent
from consentry.consent.services import decide
from consentry.roster import apply
from consentry.roster.models import GuardianInvitation, RosterImport, SourceLink
from consentry.schools.models import Board, Group, Guardianship, Pupil, School, StaffRole

from . import builders as b
from .conftest import counts, do_import, errors
from .test_edex import SENSITIVE, SENSITIVE_VALUES

TEACHERS = [
    b.leerkracht("T1", "Fatima", "Amrani", "f.amrani@school.nl", ["G4A"], ["LRK"]),
    b.leerkracht("T2", "Tim", "Jansen", "tim@school.nl", ["G5"], ["STA"]),
]


def school_file(*pupils: str, teachers=TEACHERS, **kwargs) -> bytes:
    return b.edex(list(pupils), teachers=teachers, **kwargs)


BASE = (
    b.leerling("1001", "Emma", "Test"),
    b.leerling("1002", "Noah", "Test", groep="G5"),
    b.leerling("2001", "Jan", "Berg", voorvoegsel="van der", groep="G34", jaargroep="3"),
    b.leerling("2002", "Zoë", "Brontë", groep=None, jaargroep="6"),
)


def snapshot() -> dict:
    return {
        "schools": list(School.objects.order_by("pk").values()),
        "groups": list(Group.objects.order_by("pk").values()),
        "pupils": list(Pupil.objects.order_by("pk").values()),
        "roles": list(StaffRole.objects.order_by("pk").values()),
        "role_groups": list(StaffRole.groups.through.objects.order_by("pk").values()),
        "guardianships": list(Guardianship.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "full_name")),
        "links": list(SourceLink.objects.order_by("pk").values()),
        "invitations": list(GuardianInvitation.objects.order_by("pk").values("pk", "sent_at")),
    }


def test_first_import_adopts_existing_pupils_and_creates_the_rest(world):
    out = do_import("edex", school_file(*BASE))
    assert out.applied, errors(out)
    assert counts(out, "schools") == (0, 0, 1, 0)
    assert counts(out, "groups") == (4, 0, 0, 0)  # three stamgroepen and a composed group
    assert counts(out, "pupils") == (2, 2, 0, 0)  # Emma and Noah got their key and group
    assert counts(out, "teachers") == (2, 0, 0, 0)
    emma = Pupil.objects.get(pk=world.emma.pk)
    assert (emma.source_key, emma.group.name, emma.year_level) == ("1001", "4A", 4)
    assert Pupil.objects.filter(school=world.school).count() == 4
    jan = Pupil.objects.get(school=world.school, pupil_number="2001")
    assert (jan.given_name, jan.family_name_prefix, jan.family_name, jan.group.name) == (
        "Jan",
        "van der",
        "Berg",
        "Groep 3/4",
    )
    assert jan.full_name == "Jan van der Berg"
    zoe = Pupil.objects.get(school=world.school, pupil_number="2002")
    assert (zoe.group, zoe.year_level, zoe.family_name) == (None, 6, "Brontë")


def test_second_import_of_the_same_file_changes_nothing(world):
    data = school_file(*BASE)
    do_import("edex", data)
    before = snapshot()
    again = do_import("edex", data)
    assert again.applied
    for entity in ("groups", "pupils", "teachers"):
        created, updated, _unchanged, left = counts(again, entity)
        assert (created, updated, left) == (0, 0, 0), entity
    assert counts(again, "pupils")[2] == 4
    assert snapshot() == before


def test_group_move_keeps_consent_history(world):
    do_import("edex", school_file(*BASE))
    decide(world.parent, world.emma, {1: True, 2: False})
    events = list(ConsentEvent.objects.filter(pupil=world.emma).values_list("pk", flat=True))
    moved = (b.leerling("1001", "Emma", "Test", groep="G5"), *BASE[1:])
    out = do_import("edex", school_file(*moved))
    assert counts(out, "pupils") == (0, 1, 3, 0)
    emma = Pupil.objects.get(pk=world.emma.pk)
    assert emma.group.name == "Groep 5" and emma.left_on is None
    assert list(ConsentEvent.objects.filter(pupil=emma).values_list("pk", flat=True)) == events
    assert "Emma Test → Groep 5" in out.plan.schools[0].details["pupils_moved"]


def test_a_pupil_no_longer_in_the_file_is_marked_as_left_not_deleted(world):
    do_import("edex", school_file(*BASE))
    out = do_import("edex", school_file(*BASE[:3], created="2025-10-02T08:00:00"))
    assert counts(out, "pupils") == (0, 0, 3, 1)
    zoe = Pupil.objects.get(school=world.school, pupil_number="2002")
    assert zoe.left_on == date(2025, 10, 1)  # the import date
    assert Pupil.objects.current().filter(pk=zoe.pk).count() == 0


def test_a_leaving_date_marks_the_pupil_as_left(world):
    do_import("edex", school_file(*BASE))
    leaving = b.leerling(
        "2001", "Jan", "Berg", voorvoegsel="van der", groep="G34", uitstroom="2025-09-12"
    )
    out = do_import("edex", school_file(*BASE[:2], leaving, BASE[3]))
    assert counts(out, "pupils") == (0, 0, 3, 1)
    assert Pupil.objects.get(pupil_number="2001", school=world.school).left_on == date(2025, 9, 12)


def test_a_leaver_never_seen_before_is_not_created(world):
    gone = b.leerling("3001", "Oud", "Leerling", uitstroom="2025-07-11")
    out = do_import("edex", school_file(*BASE, gone))
    assert counts(out, "pupils") == (2, 2, 0, 0)
    assert not Pupil.objects.filter(pupil_number="3001").exists()


def test_a_returning_pupil_is_reactivated(world):
    do_import("edex", school_file(*BASE))
    do_import("edex", school_file(*BASE[:3]))
    out = do_import("edex", school_file(*BASE))
    assert counts(out, "pupils") == (0, 1, 3, 0)
    assert Pupil.objects.get(pupil_number="2002", school=world.school).left_on is None


def test_a_new_school_year_creates_new_groups_and_keeps_the_old(world):
    do_import("edex", school_file(*BASE))
    old_groups = set(Group.objects.filter(school=world.school, school_year="2025-2026"))
    next_year = """<groepen>
      <groep key="N5"><naam>4A</naam><jaargroep>5</jaargroep></groep>
      <groep key="N6"><naam>Groep 6</naam><jaargroep>6</jaargroep></groep></groepen>"""
    pupils = [
        b.leerling("1001", "Emma", "Test", groep="N5"),
        b.leerling("1002", "Noah", "Test", groep="N6"),
        b.leerling("2001", "Jan", "Berg", voorvoegsel="van der", groep="N5"),
        b.leerling("2002", "Zoë", "Brontë", groep="N6"),
    ]
    teacher = [b.leerkracht("T1", "Fatima", "Amrani", "f.amrani@school.nl", ["N5"])]
    out = do_import(
        "edex",
        b.edex(
            pupils,
            groups=next_year,
            teachers=teacher,
            school_year="2026-2027",
            created="2026-07-01T12:00:00",
        ),
    )
    assert out.applied, errors(out)
    assert counts(out, "groups") == (2, 0, 0, 0)
    assert set(Group.objects.filter(school=world.school, school_year="2025-2026")) == old_groups
    emma = Pupil.objects.get(pk=world.emma.pk)
    assert (emma.group.name, emma.group.school_year, emma.year_level) == ("4A", "2026-2027", 5)
    role = StaffRole.objects.get(user__email="f.amrani@school.nl")
    assert {(g.name, g.school_year) for g in role.groups.all()} == {
        ("4A", "2025-2026"),
        ("4A", "2026-2027"),
    }  # last year's group stays as history


def test_an_older_file_may_not_overwrite_newer_data(world):
    do_import("edex", school_file(*BASE, school_year="2026-2027"))
    before = snapshot()
    older_year = do_import("edex", school_file(*BASE, school_year="2025-2026"))
    assert not older_year.applied and "older file" in errors(older_year)[0]
    older_made = do_import(
        "edex", school_file(*BASE, school_year="2026-2027", created="2025-01-01T00:00:00")
    )
    assert not older_made.applied and "made on 2025-01-01" in errors(older_made)[0]
    assert snapshot() == before


def test_dry_run_reports_but_writes_nothing(world):
    before = snapshot()
    audit = AuditEntry.objects.count()
    out = do_import("edex", school_file(*BASE), dry_run=True)
    assert out.summary["dry_run"] and not out.applied and not out.summary["errors"]
    assert counts(out, "pupils") == (2, 2, 0, 0)
    assert counts(out, "teachers") == (2, 0, 0, 0)
    assert snapshot() == before and AuditEntry.objects.count() == audit
    assert not RosterImport.objects.exists()


def test_dry_run_also_reports_every_problem(world):
    data = school_file(
        b.leerling("1", geboortedatum="31-12-2017"),
        b.leerling("2", groep="NOPE"),
        b.leerling("3", jaargroep="12b"),
    )
    out = do_import("edex", data, dry_run=True)
    assert len(out.summary["errors"]) == 3


def test_an_invalid_file_changes_nothing(world):
    before = snapshot()
    data = school_file(*BASE, b.leerling("9", groep="G404"))
    out = do_import("edex", data, name="export.xml")
    assert not out.applied and not out.summary["dry_run"]
    (error,) = out.summary["errors"]
    assert (error["file"], error["value"]) == ("export.xml", "G404") and error["line"]
    assert snapshot() == before


def test_a_failure_halfway_leaves_nothing_behind(world, monkeypatch):
    before = snapshot()

    def explode(plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply, "_teachers", explode)
    with pytest.raises(RuntimeError):
        do_import("edex", school_file(*BASE))
    assert snapshot() == before  # groups and pupils were written before the failure


def test_many_leavers_need_confirmation_or_a_partial_file(world):
    many = [b.leerling(str(3000 + n), f"Kind{n}", "Test") for n in range(20)]
    do_import("edex", school_file(*BASE, *many))
    before = snapshot()
    out = do_import("edex", school_file(*BASE[:2]))
    assert not out.applied and "would be marked as left" in errors(out)[0]
    assert snapshot() == before
    partial = do_import("edex", school_file(*BASE[:2]), partial=True)
    assert partial.applied and counts(partial, "pupils")[3] == 0
    confirmed = do_import("edex", school_file(*BASE[:2]), confirm_leavers=True)
    assert confirmed.applied and counts(confirmed, "pupils")[3] == 22


def test_a_new_pupil_needs_a_date_of_birth(world):
    out = do_import("edex", school_file(*BASE, b.leerling("5", geboortedatum=None)))
    assert not out.applied and "date of birth" in errors(out)[0]
    # an existing pupil without one in the file keeps the stored date
    ok = do_import(
        "edex", school_file(b.leerling("1001", "Emma", "Test", geboortedatum=None), *BASE[1:])
    )
    assert ok.applied
    assert Pupil.objects.get(pk=world.emma.pk).date_of_birth == date(2017, 5, 1)


def test_audit_entry_per_import_with_counts_and_source(world):
    out = do_import("edex", school_file(*BASE), name="parnassys.xml")
    entry = AuditEntry.objects.filter(action="roster.imported").get()
    assert entry.school_id == world.school.pk and entry.actor_label == "system"
    assert entry.data["file"] == "parnassys.xml" and entry.data["via"] == "command line"
    assert entry.data["counts"]["pupils"] == out.summary["pupils"]
    assert len(entry.data["sha256"]) == 64
    history = RosterImport.objects.get()
    assert (history.status, history.school_year, history.payload) == ("applied", "2025-2026", None)


def test_national_numbers_and_origin_are_never_stored(world):
    data = school_file(
        b.leerling("1001", "Emma", "Test", extra=SENSITIVE),
        *BASE[1:],
        teachers=[b.leerkracht("T1", "F", "A", "f@school.nl", ["G4A"], extra=SENSITIVE)],
    )
    out = do_import("edex", data)
    assert out.applied
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        dump = []
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.append(repr(cursor.fetchall()))
    everything = "\n".join(dump)
    assert "Emma" in everything
    for value in SENSITIVE_VALUES:
        assert value not in everything, value


def test_teachers_get_a_proposed_role_with_their_groups(world):
    do_import("edex", school_file(*BASE))
    fatima = StaffRole.objects.get(user__email="f.amrani@school.nl", school=world.school)
    assert fatima.role == "teacher" and [g.name for g in fatima.groups.all()] == ["4A"]
    assert not fatima.user.has_usable_password()
    tim = StaffRole.objects.get(user__email="tim@school.nl")
    assert tim.role == "intern"  # STA: never more than an intern
    assert not StaffRole.objects.filter(
        user__email__in=["f.amrani@school.nl", "tim@school.nl"],
        role__in=["leadership", "privacy_officer"],
    ).exists()
    out = do_import("edex", school_file(*BASE, teachers=TEACHERS[:1]))
    assert counts(out, "teachers") == (0, 0, 1, 1)
    assert not StaffRole.objects.get(user__email="tim@school.nl").groups.exists()


def test_a_teacher_who_is_also_a_parent_keeps_one_account(world):
    teacher = [b.leerkracht("T9", "Parent", "Emma", "Parent@Example.nl", ["G4A"])]
    out = do_import("edex", school_file(*BASE, teachers=teacher))
    assert out.applied
    assert User.objects.filter(email="parent@example.nl").count() == 1
    role = StaffRole.objects.get(user=world.parent, school=world.school)
    assert role.role == "teacher" and world.parent.children.get() == world.emma


def test_group_renames_that_swap_names(world):
    groups = """<groepen><groep key="A"><naam>Zon</naam><jaargroep>4</jaargroep></groep>
      <groep key="B"><naam>Maan</naam><jaargroep>5</jaargroep></groep></groepen>"""
    pupils = [
        b.leerling("1001", "Emma", "Test", groep="A"),
        b.leerling("1002", "Noah", "Test", groep="B"),
    ]
    do_import("edex", b.edex(pupils, groups=groups))
    swapped = groups.replace("Zon", "TMP").replace("Maan", "Zon").replace("TMP", "Maan")
    out = do_import("edex", b.edex(pupils, groups=swapped))
    assert out.applied and counts(out, "groups") == (0, 2, 0, 0)
    assert Pupil.objects.get(pk=world.emma.pk).group.name == "Maan"


def test_existing_groups_without_a_key_are_adopted_by_name(world):
    groups = '<groepen><groep key="Z"><naam>Zon</naam><jaargroep>4</jaargroep></groep></groepen>'
    out = do_import(
        "edex",
        b.edex(
            [b.leerling("1001", "Emma", "Test", groep="Z")], groups=groups, school_year="2026-2027"
        ),
        partial=True,
    )
    assert counts(out, "groups") == (0, 1, 0, 0)
    assert Group.objects.get(pk=world.group.pk).source_key == "Z"


def test_create_school_from_the_header(world):
    data = b.edex([b.leerling("1", "Kim", "Nieuw")], brin="12AB", dependance="01")
    missing = do_import("edex", data)
    assert not missing.applied and "--create-school" in errors(missing)[0]
    several_boards = do_import("edex", data, create_school=True)
    assert not several_boards.applied and "--board" in errors(several_boards)[0]
    out = do_import("edex", data, create_school=True, board=world.board)
    assert out.applied and counts(out, "schools") == (1, 0, 0, 0)
    school = School.objects.get(brin="12AB", dependance="01")
    assert school.board == world.board and school.pupils.get().given_name == "Kim"
    again = do_import("edex", data, create_school=True, board=world.board)
    assert counts(again, "schools") == (0, 0, 1, 0)


def test_dry_run_of_a_school_to_create(world):
    data = b.edex([b.leerling("1", "Kim", "Nieuw")], brin="12AB")
    out = do_import("edex", data, create_school=True, board=world.board, dry_run=True)
    assert counts(out, "schools") == (1, 0, 0, 0) and counts(out, "pupils") == (1, 0, 0, 0)
    assert not School.objects.filter(brin="12AB").exists()


def test_the_file_must_be_for_the_named_school(world):
    out = do_import("edex", school_file(*BASE, brin="88YY"), school=world.school)
    assert not out.applied and "not for De Test-Loofhut" in errors(out)[0]


def test_dependance_00_and_empty_are_the_same_school(world):
    out = do_import("edex", school_file(*BASE, dependance="00"))
    assert out.applied
    assert not Board.objects.filter(name="").exists()
