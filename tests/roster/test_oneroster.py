"""OneRoster CSV parsing (1.1 and 1.2, bulk and delta): mapping, pitfalls and errors."""

import json
from datetime import date

import pytest

from consentry.roster.oneroster import parse_oneroster, read_zip
from consentry.roster.records import Roster, to_json

from . import builders as b
from .conftest import TODAY

U12 = b.USER12_H


def small(
    version: str = "1.2",
    *,
    users_mode: str = "bulk",
    delta: bool = False,
    extra_users: list[list[str]] | None = None,
    demo_extra: str = "",
) -> dict[str, bytes]:
    """One school (org-1, BRIN 12AB) with a homeroom and a scheduled class, two pupils, a
    teacher, two parents (linked from either side), a relative and an aide."""
    mode = "delta" if delta else "bulk"
    status = ["active", "2025-09-01T10:00:00.000Z"] if delta else ["", ""]
    header = U12 if version == "1.2" else b.USER11_H

    def user(sid, role, **values):
        return b.user_row(
            header,
            sourcedId=sid,
            role=role,
            orgSourcedIds="org-1",
            status=status[0],
            dateLastModified=status[1],
            **values,
        )

    users = [
        user(
            "s1",
            "student",
            givenName="Jan",
            familyName="van der Berg",
            identifier="1001",
            agentSourcedIds="p1",
        ),
        user(
            "s2",
            "student",
            givenName="Zoë",
            familyName="Müller",
            identifier="1002",
            preferredGivenName="Zo",
        ),
        user("t1", "teacher", givenName="Fatima", familyName="el Amrani", email="F@School.nl"),
        user(
            "p1", "parent", givenName="Sanne", familyName="van der Berg", email="sanne@example.nl"
        ),
        user(
            "p2",
            "guardian",
            givenName="Mark",
            familyName="Müller",
            email="mark@example.nl",
            agentSourcedIds="s2",
        ),
        user(
            "r1",
            "relative",
            givenName="Opa",
            familyName="Müller",
            email="opa@example.nl",
            agentSourcedIds="s2",
        ),
        user("a1", "aide", givenName="Ad", familyName="Hulp", email="ad@school.nl"),
        *(extra_users or []),
    ]
    files = {
        "manifest.csv": b.manifest(
            version,
            {
                "orgs": mode,
                "academicSessions": mode,
                "classes": mode,
                "users": users_mode if not delta else "delta",
                "enrollments": mode,
                "demographics": mode,
                **({"roles": mode} if version == "1.2" else {}),
            },
        ),
        "orgs.csv": b.csv_bytes(
            b.ORG_H,
            [
                ["district", *status, "Stichting Proef", "district", "", ""],
                ["org-1", *status, "De Loofhut", "school", "12AB", "district"],
            ],
        ),
        "academicSessions.csv": b.csv_bytes(
            b.SESSION_H,
            [
                ["sy", *status, "2025-2026", "schoolYear", "2025-08-25", "2026-07-10", "", "2026"],
                ["t2", *status, "Term 2", "term", "2026-01-05", "2026-07-10", "sy", "2026"],
            ],
        ),
        "classes.csv": b.csv_bytes(
            b.CLASS_H,
            [
                [
                    "c4",
                    *status,
                    "Groep 4",
                    "03",
                    "course",
                    "",
                    "homeroom",
                    "",
                    "org-1",
                    "t2",
                    "",
                    "",
                    "",
                    "",
                ],
                [
                    "rek",
                    *status,
                    "Plusrekenen",
                    "",
                    "course",
                    "",
                    "scheduled",
                    "",
                    "org-1",
                    "sy",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        "users.csv": b.csv_bytes(header, users),
        "enrollments.csv": b.csv_bytes(
            b.ENROLL_H,
            [
                ["e1", *status, "c4", "org-1", "s1", "student", "", "", ""],
                ["e2", *status, "c4", "org-1", "s2", "student", "", "", ""],
                ["e3", *status, "c4", "org-1", "t1", "teacher", "true", "", ""],
                ["e4", *status, "rek", "org-1", "s1", "student", "", "", ""],
            ],
        ),
        "demographics.csv": b.csv_bytes(
            b.DEMO_H,
            [
                [
                    "s1",
                    *status,
                    "2017-05-01",
                    "male",
                    "false",
                    "false",
                    "false",
                    "false",
                    "true",
                    "false",
                    "false",
                    "NL",
                    "",
                    "Utrecht" + demo_extra,
                    "",
                ],
                ["s2", *status, "2016-02-29", "female"] + [""] * 12,
            ],
        ),
    }
    if version == "1.2":
        files["roles.csv"] = b.csv_bytes(
            b.ROLE_H,
            [
                [f"r-{row[0]}", *status, row[0], "primary", role, "", "", "org-1", ""]
                for row, role in zip(
                    users,
                    ["student", "student", "teacher", "parent", "guardian", "relative", "aide"],
                    strict=False,
                )
            ],
        )
    return files


def parse(files: dict[str, bytes], today: date = TODAY) -> Roster:
    return parse_oneroster(files, "package.zip", today=today)


def only_school(roster: Roster):
    assert not roster.errors, [p.text() for p in roster.errors]
    (school,) = roster.schools
    return school


def texts(roster: Roster, errors: bool = True) -> list[str]:
    return [p.text() for p in (roster.errors if errors else roster.warnings)]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_school_classes_pupils_teachers_guardians(version):
    roster = parse(small(version))
    school = only_school(roster)
    assert roster.version == version
    assert (school.key, school.name, school.brin, school.board_name) == (
        "org-1",
        "De Loofhut",
        "12AB",
        "Stichting Proef",
    )
    assert [(g.key, g.name, g.school_year) for g in school.groups] == [
        ("c4", "Groep 4", "2025-2026")
    ]  # the scheduled class is not a stamgroep
    jan, zoe = school.pupils
    assert (jan.key, jan.number, jan.given_name, jan.prefix, jan.family_name) == (
        "s1",
        "1001",
        "Jan",
        "van der",
        "Berg",
    )
    assert (jan.group_key, jan.date_of_birth) == ("c4", date(2017, 5, 1))
    preferred = "Zo" if version == "1.2" else "Zoë"  # 1.1 has no preferred names
    assert (zoe.given_name, zoe.date_of_birth) == (preferred, date(2016, 2, 29))
    (teacher,) = school.teachers
    assert (teacher.email, teacher.group_keys, teacher.full_name) == (
        "f@school.nl",
        ["c4"],
        "Fatima el Amrani",
    )
    links = {g.key: [c.pupil_ref for c in g.children] for g in school.guardians}
    assert links == {"p1": ["s1"], "p2": ["s2"]}  # from the pupil's and the parent's side
    assert all(c.has_parental_authority is None for g in school.guardians for c in g.children)
    warnings = " | ".join(texts(roster, errors=False))
    assert "relative" in warnings and "other roles" in warnings


def test_only_birth_date_is_read_from_demographics():
    roster = parse(small(demo_extra="-GEHEIM"))
    dumped = json.dumps(to_json(roster))
    assert "Utrecht" not in dumped and "NL" not in dumped and "2017-05-01" in dumped


def test_zip_with_and_without_top_folder():
    for folder in ("", "export/"):
        roster = Roster("oneroster", "", "x.zip")
        files = read_zip(b.zipped(small(), folder), "x.zip", roster)
        assert not roster.errors and "users.csv" in files
        assert len(only_school(parse(files)).pupils) == 2


def test_not_a_zip():
    roster = Roster("oneroster", "", "x.zip")
    read_zip(b"plain text", "x.zip", roster)
    assert "not a ZIP" in roster.errors[0].message


def test_bom_semicolons_and_capital_booleans_from_a_spreadsheet():
    files = small()
    text = files["users.csv"].decode().replace(",", ";").replace(";true;", ";TRUE;")
    files["users.csv"] = b"\xef\xbb\xbf" + text.encode()
    roster = parse(files)
    assert len(only_school(roster).pupils) == 2
    warnings = " | ".join(texts(roster, errors=False))
    assert "';' as separator" in warnings and "TRUE/FALSE" in warnings


def test_lf_line_ends_are_fine():
    files = small()
    files["users.csv"] = files["users.csv"].replace(b"\r\n", b"\n")
    assert len(only_school(parse(files)).pupils) == 2


def test_windows_1252_text_is_an_error_naming_the_line():
    files = small()
    files["users.csv"] = files["users.csv"].decode().encode("cp1252")
    (error,) = parse(files).errors
    assert error.loc.file == "users.csv" and error.loc.line == 3 and "UTF-8" in error.message


def test_columns_are_read_by_name_in_any_order_and_unknown_ones_ignored():
    files = small()
    header, *rows = files["users.csv"].decode().splitlines()
    columns = header.split(",")
    order = list(reversed(range(len(columns))))

    def reorder(line: str) -> str:
        cells = line.split(",")
        return ",".join(cells[i] for i in order) + ",x,y"

    files["users.csv"] = "\r\n".join(
        [",".join(columns[i] for i in order) + ",metadata.nl.tussenvoegsel,favouriteColour"]
        + [reorder(r) for r in rows]
    ).encode()
    roster = parse(files)
    assert [p.given_name for p in only_school(roster).pupils] == ["Jan", "Zo"]
    warnings = texts(roster, errors=False)
    assert any("favouriteColour" in w for w in warnings)
    assert not any("metadata." in w for w in warnings)


def test_header_typo_in_a_required_column_is_an_error():
    files = small()
    files["users.csv"] = files["users.csv"].replace(b"givenName", b"givenNmae", 1)
    (error,) = parse(files).errors
    assert error.loc.file == "users.csv"
    assert "'givenName' is missing" in error.message and "givenNmae" in error.message


def test_header_typo_in_an_optional_column_is_a_warning_with_a_hint():
    files = small()
    files["users.csv"] = files["users.csv"].replace(b"dateLastModified", b"dataLastModified")
    roster = parse(files)
    only_school(roster)
    assert any(
        "dataLastModified" in w and "dateLastModified" in w for w in texts(roster, errors=False)
    )


def test_a_date_in_another_format_is_an_error():
    files = small()
    files["demographics.csv"] = files["demographics.csv"].replace(b"2017-05-01", b"1-5-2017")
    (error,) = parse(files).errors
    assert (error.loc.file, error.loc.where, error.value) == (
        "demographics.csv",
        "birthDate",
        "1-5-2017",
    )


def test_broken_references_are_errors():
    files = small()
    files["enrollments.csv"] += b"e9,,,c4,org-1,ghost,student,,,\r\n"
    files["classes.csv"] += b"c9,,,Groep 9,,course,,homeroom,,org-404,sy,,,,\r\n"
    errors = " | ".join(texts(parse(files)))
    assert "ghost" in errors and "org-404" in errors


def test_odd_links_are_warnings_and_left_out():
    extra = [
        b.user_row(
            U12, sourcedId="p9", givenName="Lone", familyName="Ouder", email="lone@example.nl"
        ),
        b.user_row(
            U12,
            sourcedId="p8",
            givenName="Odd",
            familyName="Ouder",
            email="odd@example.nl",
            agentSourcedIds="t1",
        ),
    ]
    files = small(extra_users=extra)
    files["roles.csv"] += (
        b"r-p9,,,p9,primary,parent,,,org-1,\r\nr-p8,,,p8,primary,parent,,,org-1,\r\n"
    )
    roster = parse(files)
    school = only_school(roster)
    assert {g.key for g in school.guardians} == {"p1", "p2"}
    warnings = " | ".join(texts(roster, errors=False))
    assert "linked to no pupil" in warnings and "not between a pupil and a parent" in warnings


def test_bulk_file_with_statuses():
    files = small()
    files["users.csv"] = files["users.csv"].replace(b"s2,,", b"s2,tobedeleted,", 1)
    roster = parse(files)
    assert [p.key for p in only_school(roster).pupils] == ["s1"]
    assert any("tobedeleted" in w for w in texts(roster, errors=False))


def test_version_10_package_without_manifest_is_refused():
    files = small()
    del files["manifest.csv"]
    assert "OneRoster 1.0" in texts(parse(files))[0]


def test_manifest_and_files_must_agree():
    files = small()
    del files["demographics.csv"]
    assert "marks the file bulk but it is missing" in texts(parse(files))[0]
    files = small()
    files["courses.csv"] = b"sourcedId\r\n"
    files["manifest.csv"] = files["manifest.csv"].replace(b"file.orgs,bulk", b"file.orgs,absent")
    assert any("present but the manifest marks it absent" in t for t in texts(parse(files)))


def test_file_names_are_case_sensitive():
    files = small()
    files["Users.csv"] = files.pop("users.csv")
    assert any("case-sensitive" in t for t in texts(parse(files)))


def test_delta_gives_moves_and_departures():
    files = small(delta=True)
    files["users.csv"] = files["users.csv"].replace(b"s2,active", b"s2,tobedeleted", 1)
    files["enrollments.csv"] = files["enrollments.csv"].replace(b"e1,active", b"e1,tobedeleted", 1)
    roster = parse(files)
    school = only_school(roster)
    assert [p.key for p in school.pupils] == ["s1"] and school.pupils[0].keep_group
    assert [(m.pupil_key, m.group_key, m.from_group_key) for m in school.moves] == [
        ("s1", None, "c4")
    ]
    assert [(d.kind, d.key) for d in school.departures] == [("pupil", "s2")]
    assert not school.pupils_complete


def test_delta_needs_a_status():
    files = small(delta=True)
    files["users.csv"] = files["users.csv"].replace(b"s2,active", b"s2,", 1)
    assert any("status must be" in t for t in texts(parse(files)))


def test_ended_role_marks_the_pupil_as_left():
    files = small()
    files["roles.csv"] = files["roles.csv"].replace(
        b"r-s1,,,s1,primary,student,,,", b"r-s1,,,s1,primary,student,2021-08-30,2025-07-11,"
    )
    jan = only_school(parse(files)).pupils[0]
    assert (jan.has_left, jan.left_on, jan.entered_on) == (
        True,
        date(2025, 7, 11),
        date(2021, 8, 30),
    )


def test_school_year_from_start_year_is_reported():
    files = small()
    files["academicSessions.csv"] = files["academicSessions.csv"].replace(
        b"2026-07-10,,2026", b"2026-07-10,,2025", 1
    )
    roster = parse(files)
    assert only_school(roster).groups[0].school_year == "2025-2026"
    assert any("schoolYear" in w for w in texts(roster, errors=False))
