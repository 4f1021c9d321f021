"""Roster files for tests and the benchmark: small hand-shaped ones and large generated ones.

Generated files are deterministic (a seed), so a re-import with "5% changes" changes the
same pupils every run.
"""

import csv
import io
import random
import zipfile
from datetime import date, timedelta
from xml.sax.saxutils import escape

# -- EDEXML ---------------------------------------------------------------------------------

GROUPS_21 = """
  <groepen>
    <groep key="G4A"><naam>4A</naam><jaargroep>4</jaargroep></groep>
    <groep key="G5"><naam>Groep 5</naam><jaargroep>5</jaargroep>
      <toevoegingen><blok xsi:type="v:extra" code="X"><v:iets>vendor</v:iets></blok></toevoegingen>
    </groep>
    <groep key="G34"><naam>Groep 3/4</naam><jaargroep>C</jaargroep></groep>
    <samengestelde_groep key="PLUS"><naam>Plusgroep rekenen</naam></samengestelde_groep>
  </groepen>"""


def leerling(
    key: str,
    roepnaam: str = "Emma",
    achternaam: str = "Jansen",
    *,
    voorvoegsel: str | None = None,
    geboortedatum: str | None = "2017-05-01",
    groep: str | None = "G4A",
    jaargroep: str | None = None,
    extra: str = "",
    instroom: str | None = None,
    uitstroom: str | None = None,
    samengesteld: list[str] | None = None,
) -> str:
    parts = [f'<leerling key="{escape(key)}">']
    if achternaam:
        parts.append(f"<achternaam>{escape(achternaam)}</achternaam>")
    if voorvoegsel:
        parts.append(f"<voorvoegsel>{escape(voorvoegsel)}</voorvoegsel>")
    if roepnaam:
        parts.append(f"<roepnaam>{escape(roepnaam)}</roepnaam>")
    if geboortedatum:
        parts.append(f"<geboortedatum>{geboortedatum}</geboortedatum>")
    if jaargroep is not None:
        parts.append(f"<jaargroep>{jaargroep}</jaargroep>")
    if groep:
        parts.append(f'<groep key="{groep}"/>')
    if samengesteld:
        links = "".join(f'<samengestelde_groep key="{k}"/>' for k in samengesteld)
        parts.append(f"<samengestelde_groepen>{links}</samengestelde_groepen>")
    if instroom:
        parts.append(f"<instroomdatum>{instroom}</instroomdatum>")
    if uitstroom:
        parts.append(f"<uitstroomdatum>{uitstroom}</uitstroomdatum>")
    parts.append(extra)
    parts.append("</leerling>")
    return "".join(parts)


def leerkracht(
    key: str,
    roepnaam: str,
    achternaam: str,
    email: str | None,
    groups: list[str],
    roles: list[str] | None = None,
    extra: str = "",
) -> str:
    mail = f"<emailadres>{email}</emailadres>" if email else ""
    rol = "".join(f"<rol>{r}</rol>" for r in roles or [])
    links = "".join(f'<groep key="{g}"/>' for g in groups)
    return (
        f'<leerkracht key="{key}"><achternaam>{achternaam}</achternaam>'
        f"<roepnaam>{roepnaam}</roepnaam>{mail}{rol}<groepen>{links}</groepen>{extra}"
        f"</leerkracht>"
    )


def edex(
    pupils: list[str],
    *,
    groups: str = GROUPS_21,
    teachers: list[str] | None = None,
    school_year: str = "2025-2026",
    brin: str = "99XX",
    dependance: str = "00",
    version: str = "2.1",
    created: str | None = "2025-09-15T10:00:00",
    peildatum: str | None = None,
    root: str = "EDEX",
    bom: bool = False,
    crlf: bool = False,
    encoding: str = "UTF-8",
) -> bytes:
    school = [f"<schooljaar>{school_year}</schooljaar>"]
    if peildatum:
        school.append(f"<peildatum>{peildatum}</peildatum>")
    if brin:
        school.append(f"<brincode>{brin}</brincode><dependancecode>{dependance}</dependancecode>")
    if created:
        school.append(f"<aanmaakdatum>{created}</aanmaakdatum>")
    school.append(f"<auteur>Testadministratie</auteur><xsdversie>{version}</xsdversie>")
    staff = f"<leerkrachten>{''.join(teachers)}</leerkrachten>" if teachers is not None else ""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<{root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:v="urn:vendor" xsi:noNamespaceSchemaLocation="EDEXML.structuur.xsd">\n'
        f"<school>{''.join(school)}</school>\n{groups}\n"
        f"<leerlingen>\n" + "\n".join(pupils) + f"\n</leerlingen>\n{staff}\n</{root}>\n"
    )
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8" if encoding.upper() == "UTF-8" else encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


GIVEN = [
    "Emma",
    "Noah",
    "Daan",
    "Sophie",
    "Liam",
    "Julia",
    "Lucas",
    "Mila",
    "Sem",
    "Tess",
    "Zoë",
    "Bram",
    "Anaïs",
    "François",
    "Sven",
    "Fleur",
    "Mohammed",
    "Yara",
    "Jesse",
    "Noor",
]
FAMILY = [
    ("", "Jansen"),
    ("de", "Vries"),
    ("van der", "Berg"),
    ("", "Bakker"),
    ("van", "Dijk"),
    ("", "Smit"),
    ("v. d.", "Heuvel"),
    ("el", "Amrani"),
    ("", "Müller"),
    ("'t", "Hart"),
    ("", "Yılmaz"),
    ("van den", "Broek"),
]


def generated_pupils(
    count: int, *, seed: int = 1, groups_per_year: int = 2, first: int = 1
) -> list[dict]:
    rng = random.Random(seed)
    pupils = []
    for n in range(first, first + count):
        level = rng.randint(1, 8)
        prefix, family = rng.choice(FAMILY)
        born = date(2025 - 4 - level, 1, 1) + timedelta(days=rng.randint(0, 364))
        pupils.append(
            {
                "key": f"{n:06d}",
                "roepnaam": rng.choice(GIVEN),
                "achternaam": family,
                "voorvoegsel": prefix,
                "geboortedatum": born.isoformat(),
                "jaargroep": str(level),
                "groep": f"G{level}{'AB'[rng.randrange(groups_per_year)]}",
            }
        )
    return pupils


def changed(pupils: list[dict], share: float, *, seed: int = 2) -> list[dict]:
    """A copy with `share` of the pupils changed: a third move group, a third leave (left out),
    and as many new pupils join as left."""
    rng = random.Random(seed)
    result = [dict(p) for p in pupils]
    chosen = rng.sample(range(len(result)), int(len(result) * share))
    third = len(chosen) // 3
    for i in chosen[:third]:
        p = result[i]
        p["groep"] = p["groep"][:-1] + ("B" if p["groep"].endswith("A") else "A")
    for i in chosen[third : 2 * third]:
        result[i]["roepnaam"] += "-Marie"
    gone = set(chosen[2 * third :])
    kept = [p for i, p in enumerate(result) if i not in gone]
    last = max(int(p["key"]) for p in pupils)
    return kept + generated_pupils(len(gone), seed=seed + 7, first=last + 1)


def generated_groups(groups_per_year: int = 2) -> str:
    rows = [
        f'<groep key="G{level}{letter}"><naam>{level}{letter}</naam>'
        f"<jaargroep>{level}</jaargroep></groep>"
        for level in range(1, 9)
        for letter in "AB"[:groups_per_year]
    ]
    return "<groepen>" + "".join(rows) + "</groepen>"


def generated_edex(pupils: list[dict], *, brin: str = "99XX", **kwargs) -> bytes:
    teachers = [
        leerkracht(
            f"T{level}{letter}",
            f"Juf{level}{letter}",
            "Leerkracht",
            f"t{level}{letter}.{brin.lower()}@school.example",
            [f"G{level}{letter}"],
        )
        for level in range(1, 9)
        for letter in "AB"
    ]
    nodes = [leerling(**p) for p in pupils]
    return edex(nodes, groups=generated_groups(), teachers=teachers, brin=brin, **kwargs)


# -- OneRoster --------------------------------------------------------------------------------

MANIFEST_FILES = (
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItems",
    "orgs",
    "resources",
    "results",
    "users",
    "roles",
    "userProfiles",
)


def csv_bytes(
    header: list[str],
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    bom: bool = False,
    crlf: bool = True,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode()
    return (b"\xef\xbb\xbf" + data) if bom else data


def manifest(version: str, modes: dict[str, str]) -> bytes:
    rows = [["manifest.version", "1.0"], ["oneroster.version", version]]
    rows += [[f"file.{name}", modes.get(name, "absent")] for name in MANIFEST_FILES]
    return csv_bytes(["propertyName", "value"], rows)


ORG_H = ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"]
SESSION_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "type",
    "startDate",
    "endDate",
    "parentSourcedId",
    "schoolYear",
]
CLASS_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
]
USER12_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns",
]
USER11_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
]
ROLE_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "userSourcedId",
    "roleType",
    "role",
    "beginDate",
    "endDate",
    "orgSourcedId",
    "userProfileSourcedId",
]
ENROLL_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
]
DEMO_H = [
    "sourcedId",
    "status",
    "dateLastModified",
    "birthDate",
    "sex",
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
    "countryOfBirthCode",
    "stateOfBirthAbbreviation",
    "cityOfBirth",
    "publicSchoolResidenceStatus",
]


def user_row(header: list[str], **values: str) -> list[str]:
    defaults = {"enabledUser": "true", "username": values.get("sourcedId", "")}
    return [values.get(column, defaults.get(column, "")) for column in header]


def board_package(
    schools: int,
    pupils_per_school: int,
    *,
    version: str = "1.2",
    seed: int = 3,
    share_changed: float = 0.0,
) -> dict[str, bytes]:
    """A district with `schools` schools: 8 homeroom classes each, a teacher per class, and
    two parents per pupil (one of them listing the child, the pupil listing the other)."""
    rows: dict[str, list[list[str]]] = {
        k: [] for k in ("orgs", "sessions", "classes", "users", "roles", "enrollments", "demo")
    }
    rows["orgs"].append(["district", "", "", "Stichting Proef", "district", "", ""])
    rows["sessions"].append(
        ["sy2026", "", "", "2025-2026", "schoolYear", "2025-08-25", "2026-07-10", "", "2026"]
    )
    for s in range(schools):
        _board_school(rows, s, pupils_per_school, seed + s, share_changed, version)
    users_h = USER12_H if version == "1.2" else USER11_H
    files = {
        "manifest.csv": manifest(
            version,
            {
                "orgs": "bulk",
                "academicSessions": "bulk",
                "classes": "bulk",
                "users": "bulk",
                "enrollments": "bulk",
                "demographics": "bulk",
                **({"roles": "bulk"} if version == "1.2" else {}),
            },
        ),
        "orgs.csv": csv_bytes(ORG_H, rows["orgs"]),
        "academicSessions.csv": csv_bytes(SESSION_H, rows["sessions"]),
        "classes.csv": csv_bytes(CLASS_H, rows["classes"]),
        "users.csv": csv_bytes(users_h, rows["users"]),
        "enrollments.csv": csv_bytes(ENROLL_H, rows["enrollments"]),
        "demographics.csv": csv_bytes(DEMO_H, rows["demo"]),
    }
    if version == "1.2":
        files["roles.csv"] = csv_bytes(ROLE_H, rows["roles"])
    return files


def _board_school(rows, s: int, count: int, seed: int, share: float, version: str) -> None:
    org = f"org-{s}"
    brin = f"{10 + s:02d}ZZ"
    rows["orgs"].append([org, "", "", f"Basisschool {s}", "school", brin, "district"])
    users_h = USER12_H if version == "1.2" else USER11_H

    def add_user(sid: str, role: str, **values: str) -> None:
        rows["users"].append(
            user_row(users_h, sourcedId=sid, role=role, orgSourcedIds=org, **values)
        )
        rows["roles"].append([f"r-{sid}", "", "", sid, "primary", role, "", "", org, ""])

    for level in range(1, 9):
        klass = f"cls-{s}-{level}"
        rows["classes"].append(
            [
                klass,
                "",
                "",
                f"Groep {level}",
                "",
                "course",
                "",
                "homeroom",
                "",
                org,
                "sy2026",
                "",
                "",
                "",
            ]
        )
        teacher = f"tea-{s}-{level}"
        add_user(
            teacher,
            "teacher",
            givenName="Juf",
            familyName=f"Groep{level}",
            email=f"{teacher}@school.example",
        )
        rows["enrollments"].append(
            [f"e-{teacher}", "", "", klass, org, teacher, "teacher", "true", "", ""]
        )
    pupils = generated_pupils(count, seed=seed, groups_per_year=1)
    if share:
        pupils = changed(pupils, share, seed=seed + 100)
    for p in pupils:
        sid = f"stu-{s}-{p['key']}"
        moved = not p["groep"].endswith("A")  # changed(): "moves group" means the next class
        klass_level = str(int(p["jaargroep"]) % 8 + 1) if moved else p["jaargroep"]
        family = f"{p['voorvoegsel']} {p['achternaam']}".strip()
        add_user(
            sid,
            "student",
            givenName=p["roepnaam"],
            familyName=family,
            identifier=p["key"],
            agentSourcedIds=f"par-{s}-{p['key']}-b",
        )
        rows["demo"].append([sid, "", "", p["geboortedatum"]] + [""] * 12)
        rows["enrollments"].append(
            [f"e-{sid}", "", "", f"cls-{s}-{klass_level}", org, sid, "student", "", "", ""]
        )
        for parent in ("a", "b"):
            pid = f"par-{s}-{p['key']}-{parent}"
            add_user(
                pid,
                "parent",
                givenName=f"Ouder{parent.upper()}",
                familyName=family,
                email=f"{pid}@home.example",
                agentSourcedIds=sid if parent == "a" else "",
            )


def zipped(files: dict[str, bytes], folder: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}{name}", data)
    return out.getvalue()
