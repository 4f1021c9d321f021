"""The guardians CSV: the template, Dutch spreadsheet habits, and linking to pupils."""

import pytest
from django.core import mail

from consentry.accounts.models import User
from consentry.roster.guardians_csv import TEMPLATE, parse_guardians
from consentry.roster.models import GuardianInvitation
from consentry.schools.models import Guardianship

from .conftest import counts, do_import, errors

ROWS = [
    ["1001", "Sanne de Vries", "Sanne.deVries@example.nl", "yes"],
    ["1002", "Sanne de Vries", "sanne.devries@example.nl", "TRUE"],
    ["1001", "Henk Bakker", "henk@example.nl", "nee"],
]


def guardians_csv(
    rows=ROWS,
    *,
    header: str = TEMPLATE.strip(),
    delimiter: str = ",",
    bom: bool = False,
    crlf: bool = True,
) -> bytes:
    end = "\r\n" if crlf else "\n"
    lines = [header.replace(",", delimiter)] + [delimiter.join(r) for r in rows]
    data = (end.join(lines) + end).encode()
    return b"\xef\xbb\xbf" + data if bom else data


def parse(data: bytes):
    return parse_guardians(data, "ouders.csv")


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_comma_or_semicolon_with_or_without_bom(delimiter, bom, crlf):
    roster = parse(guardians_csv(delimiter=delimiter, bom=bom, crlf=crlf))
    assert not roster.errors
    (school,) = roster.schools
    sanne, henk = school.guardians
    assert sanne.email == "sanne.devries@example.nl" and sanne.full_name == "Sanne de Vries"
    assert [(c.pupil_ref, c.has_parental_authority) for c in sanne.children] == [
        ("1001", True),
        ("1002", True),
    ]
    assert [(c.pupil_ref, c.has_parental_authority) for c in henk.children] == [("1001", False)]


def test_dutch_headers_are_accepted():
    roster = parse(
        guardians_csv(
            header="Leerlingnummer;Naam;E-mail;Gezag",
            delimiter=";",
            rows=[["1001", "Sanne", "s@example.nl", "ja"]],
        )
    )
    assert not roster.errors and roster.schools[0].guardians[0].children[0].pupil_ref == "1001"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("WAAR", True),
        ("1", True),
        ("no", False),
        ("FALSE", False),
        ("onwaar", False),
    ],
)
def test_authority_spellings(value, expected):
    roster = parse(guardians_csv(rows=[["1001", "A", "a@example.nl", value]]))
    assert roster.schools[0].guardians[0].children[0].has_parental_authority is expected


def test_problems_name_line_and_column():
    roster = parse(
        guardians_csv(
            rows=[
                ["1001", "A", "not-an-address", "yes"],
                ["1002", "B", "b@example.nl", "misschien"],
                ["", "C", "c@example.nl", "yes"],
            ]
        )
    )
    found = [(p.loc.line, p.loc.where, p.value) for p in roster.errors]
    assert found == [
        (2, "email", "not-an-address"),
        (3, "parental_authority", "misschien"),
        (4, "pupil_number", ""),
    ]


def test_header_typo_is_an_error():
    roster = parse(guardians_csv(header="pupil_number,guardian_name,emial,parental_authority"))
    assert "'email' is missing" in roster.errors[0].message
    assert "emial" in roster.errors[0].message


def test_not_utf8_is_an_error():
    data = guardians_csv(rows=[["1001", "Zoë Brontë", "z@example.nl", "ja"]]).decode()
    roster = parse(data.encode("cp1252"))
    assert "UTF-8" in roster.errors[0].message and roster.errors[0].loc.line == 2


def test_import_links_guardians_with_authority_and_invites_once(world):
    out = do_import("guardians", guardians_csv(), school=world.school)
    assert out.applied, errors(out)
    assert counts(out, "guardians") == (2, 0, 0, 0)
    sanne = User.objects.get(email="sanne.devries@example.nl")
    assert not sanne.has_usable_password()
    assert set(sanne.children.all()) == {world.emma, world.noah}
    henk = Guardianship.objects.get(guardian__email="henk@example.nl")
    assert henk.pupil == world.emma and henk.has_parental_authority is False
    assert sorted(m.to[0] for m in mail.outbox) == ["henk@example.nl", "sanne.devries@example.nl"]
    assert GuardianInvitation.objects.filter(sent_at__isnull=False).count() == 2

    again = do_import("guardians", guardians_csv(), school=world.school)
    assert counts(again, "guardians") == (0, 0, 2, 0)
    assert len(mail.outbox) == 2  # nobody is invited twice

    changed = guardians_csv(rows=[["1001", "Henk Bakker", "henk@example.nl", "ja"]])
    third = do_import("guardians", changed, school=world.school)
    assert counts(third, "guardians") == (0, 1, 0, 0)
    henk.refresh_from_db()
    assert henk.has_parental_authority is True
    assert Guardianship.objects.filter(guardian=sanne).count() == 2  # the CSV only adds


def test_existing_account_is_reused(world):
    rows = [["1002", "Parent of Emma", "PARENT@example.nl", "ja"]]
    out = do_import("guardians", guardians_csv(rows=rows), school=world.school)
    assert out.applied and counts(out, "guardians") == (0, 1, 0, 0)
    assert set(world.parent.children.all()) == {world.emma, world.noah}
    assert not mail.outbox  # already a guardian at this school: no invitation


def test_unknown_pupil_number_changes_nothing(world):
    rows = [["1001", "A", "a@example.nl", "ja"], ["9999", "B", "b@example.nl", "ja"]]
    out = do_import("guardians", guardians_csv(rows=rows), school=world.school)
    assert not out.applied
    assert any("9999" in e and "line 3" in e for e in errors(out))
    assert not User.objects.filter(email="a@example.nl").exists()


def test_pupil_of_another_school_is_not_found(world):
    rows = [["1001", "A", "a@example.nl", "ja"]]
    out = do_import("guardians", guardians_csv(rows=rows), school=world.other_school)
    assert out.applied
    assert Guardianship.objects.get(guardian__email="a@example.nl").pupil == world.other_pupil


def test_guardians_need_a_school(db):
    out = do_import("guardians", guardians_csv())
    assert not out.applied and "--school" in errors(out)[0]
