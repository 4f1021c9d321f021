"""OneRoster imports into the database: a board of schools, guardians, delta files, and the
bridge from an earlier EDEXML import."""

from django.core import mail

from consentry.accounts.models import User
from consentry.roster.models import GuardianInvitation, SourceLink
from consentry.schools.models import Board, Group, Guardianship, Pupil, School, StaffRole

from . import builders as b
from .conftest import counts, do_import, errors
from .test_oneroster import small
from .test_sync import snapshot


def test_a_board_with_its_schools_guardians_and_invitations(db):
    files = b.board_package(2, 10)
    out = do_import("oneroster", files, create_school=True)
    assert out.applied, errors(out)
    assert counts(out, "schools") == (2, 0, 0, 0)
    assert counts(out, "groups") == (16, 0, 0, 0)
    assert counts(out, "pupils") == (20, 0, 0, 0)
    assert counts(out, "teachers") == (16, 0, 0, 0)
    assert counts(out, "guardians") == (40, 0, 0, 0)
    board = Board.objects.get(name="Stichting Proef")
    assert set(board.schools.values_list("brin", flat=True)) == {"10ZZ", "11ZZ"}
    pupil = Pupil.objects.get(source_key="stu-0-000001")
    assert pupil.pupil_number == "000001" and pupil.guardians.count() == 2
    # OneRoster does not say who holds parental authority: unknown, until the school says.
    assert all(g.has_parental_authority is None for g in Guardianship.objects.all())
    assert len(mail.outbox) == 40
    assert "http://127.0.0.1:8000/login/" in mail.outbox[0].body

    before = snapshot()
    again = do_import("oneroster", files)
    assert again.applied
    assert [
        counts(again, e)[2] for e in ("schools", "groups", "pupils", "teachers", "guardians")
    ] == [2, 16, 20, 16, 40]
    assert snapshot() == before and len(mail.outbox) == 40


def test_a_board_reimport_with_changes(db):
    do_import("oneroster", b.board_package(1, 30), create_school=True)
    out = do_import("oneroster", b.board_package(1, 30, share_changed=0.3))
    assert out.applied, errors(out)
    created, updated, _unchanged, left = counts(out, "pupils")
    assert (created, updated, left) == (3, 6, 3)
    assert counts(out, "guardians")[0] == 6 and counts(out, "guardians")[3] == 6
    gone = Pupil.objects.exclude(left_on=None)
    assert gone.count() == 3
    assert not Guardianship.objects.filter(pupil__in=gone).exists()  # gone from a bulk file
    assert User.objects.filter(email__startswith="par-").count() == 66  # accounts stay


def test_one_school_out_of_a_board_package(world):
    out = do_import("oneroster", b.board_package(3, 5), school=_school("11ZZ", world))
    assert out.applied, errors(out)
    assert counts(out, "pupils") == (5, 0, 0, 0)
    assert any("2 other schools" in w["text"] for w in out.summary["warnings"])
    assert SourceLink.objects.get(kind="org").key == "org-1"
    assert not School.objects.filter(brin="10ZZ").exists()


def _school(brin: str, world) -> School:
    return School.objects.create(board=world.board, name=f"School {brin}", brin=brin)


def test_guardian_and_teacher_roles_of_one_person(world):
    files = small()
    files["roles.csv"] += b"r-t1p,,,t1,secondary,parent,,,org-1,\r\n"
    files["users.csv"] = files["users.csv"].replace(b"F@School.nl,,,,", b"F@School.nl,,,s2,", 1)
    out = do_import("oneroster", files, create_school=True, board=world.board)
    assert out.applied, errors(out)
    fatima = User.objects.get(email="f@school.nl")
    assert fatima.staff_roles.get().role == "teacher"
    assert [p.given_name for p in fatima.children.all()] == ["Zo"]
    assert counts(out, "guardians") == (3, 0, 0, 0)


def test_a_delta_moves_pupils_and_handles_departures(world):
    do_import("oneroster", small(), create_school=True, board=world.board)
    school = School.objects.get(brin="12AB")
    jan = Pupil.objects.get(source_key="s1")
    assert jan.group.name == "Groep 4" and jan.guardians.count() == 1
    delta = small(delta=True)
    stamp = b"active,2025-09-01T10:00:00.000Z"
    delta["classes.csv"] += b"c5," + stamp + b",Groep 5,,course,,homeroom,,org-1,t2,,,,\r\n"
    delta["enrollments.csv"] = delta["enrollments.csv"].replace(b"e1,active", b"e1,tobedeleted")
    delta["enrollments.csv"] += b"e5," + stamp + b",c5,org-1,s1,student,,,\r\n"
    delta["users.csv"] = delta["users.csv"].replace(b"s2,active", b"s2,tobedeleted", 1)
    delta["users.csv"] = delta["users.csv"].replace(b"p1,active", b"p1,tobedeleted", 1)
    out = do_import("oneroster", delta)
    assert out.applied, errors(out)
    jan.refresh_from_db()
    assert jan.group.name == "Groep 5" and jan.left_on is None
    assert Pupil.objects.get(source_key="s2").left_on is not None
    assert jan.guardians.count() == 0  # p1 was deleted in the source
    assert counts(out, "pupils") == (0, 1, 0, 1) and counts(out, "guardians")[3] == 1
    assert Group.objects.filter(school=school).count() == 2


def test_a_delta_referring_to_unknown_pupils_is_refused(world):
    do_import("oneroster", small(), create_school=True, board=world.board)
    delta = small(delta=True)
    delta["enrollments.csv"] += b"e9,active,2025-09-01T10:00:00Z,c4,org-1,ghost,student,,,\r\n"
    before = snapshot()
    out = do_import("oneroster", delta)
    assert not out.applied and "ghost" in errors(out)[0]
    assert snapshot() == before


def test_oneroster_after_edexml_matches_on_the_pupil_number(world):
    do_import(
        "edex",
        b.edex([b.leerling("1001", "Jan", "Berg", voorvoegsel="van der")], brin="12AB"),
        create_school=True,
        board=world.board,
    )
    jan = Pupil.objects.get(school__brin="12AB", pupil_number="1001")
    out = do_import("oneroster", small(), partial=True)
    assert out.applied, errors(out)
    jan.refresh_from_db()
    assert jan.source_key == "s1"  # the same pupil, now known by its sourcedId
    assert Pupil.objects.filter(school=jan.school).count() == 2
    assert SourceLink.objects.filter(kind="org", school=jan.school).exists()


def test_teachers_from_oneroster(world):
    do_import("oneroster", small(), create_school=True, board=world.board)
    role = StaffRole.objects.get(user__email="f@school.nl")
    assert [g.name for g in role.groups.all()] == ["Groep 4"]
    assert not StaffRole.objects.filter(user__email="ad@school.nl").exists()  # aide: not granted


def test_guardians_without_invitation_twice_across_imports(world):
    do_import("oneroster", small(), create_school=True, board=world.board)
    assert GuardianInvitation.objects.filter(sent_at__isnull=False).count() == 2
    sent = len(mail.outbox)
    Guardianship.objects.all().delete()
    do_import("oneroster", small())
    assert len(mail.outbox) == sent  # the invitation per school is recorded once
