"""OneRoster 1.1 and 1.2 CSV (bulk or delta) into a Roster.

Columns are read by header name; unknown columns are reported and ignored. Only the files
and columns Consentry needs are read at all: birth dates but none of the other demographics,
no passwords, no user profiles (ROSTER-FORMATS.md 2, 6.8, 6.9). What is sound is imported;
dangling references and broken values are errors (nothing is written), oddities found in
real packages (a parent linked to a teacher, a `relative`, a status in a bulk file) are
warnings and the row is left out.
"""

import io
import re
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from .common import (
    DateError,
    Row,
    Table,
    check_header,
    decode_text,
    full_name,
    normalise_email,
    parse_bool,
    parse_date,
    split_list,
    split_prefix,
)
from .records import (
    ChildLink,
    Departure,
    GroupIn,
    GroupMove,
    GuardianIn,
    Loc,
    PupilIn,
    Roster,
    SchoolIn,
    TeacherIn,
)

MAX_ZIP_MEMBERS = 100
MAX_UNPACKED_BYTES = 500 * 1024 * 1024

FILES = ("orgs", "academicSessions", "classes", "users", "roles", "enrollments", "demographics")
GUARDIAN_ROLES = {"parent", "guardian"}
STUDENT, TEACHER = "student", "teacher"
KNOWN_ROLES = {
    "administrator",
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
}
BRIN_ID = re.compile(r"(\d{2}[A-Z]{2})(?:[- ]?(\d{2}))?")
COMMON = ["sourcedId", "status", "dateLastModified"]

# (required, also known) columns per file and version; every other column is unknown.
COLUMNS: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "1.2": {
        "orgs": (["sourcedId", "name", "type"], COMMON + ["identifier", "parentSourcedId"]),
        "academicSessions": (
            ["sourcedId", "title", "type", "startDate", "endDate", "schoolYear"],
            COMMON + ["parentSourcedId"],
        ),
        "classes": (
            [
                "sourcedId",
                "title",
                "courseSourcedId",
                "classType",
                "schoolSourcedId",
                "termSourcedIds",
            ],
            COMMON + ["grades", "classCode", "location", "subjects", "subjectCodes", "periods"],
        ),
        "users": (
            ["sourcedId", "enabledUser", "username", "givenName", "familyName"],
            COMMON
            + [
                "userIds",
                "middleName",
                "identifier",
                "email",
                "sms",
                "phone",
                "agentSourcedIds",
                "grades",
                "password",
                "userMasterIdentifier",
                "resourceSourcedIds",
                "preferredGivenName",
                "preferredMiddleName",
                "preferredFamilyName",
                "primaryOrgSourcedId",
                "pronouns",
            ],
        ),
        "roles": (
            ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
            COMMON + ["beginDate", "endDate", "userProfileSourcedId"],
        ),
        "enrollments": (
            ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
            COMMON + ["primary", "beginDate", "endDate"],
        ),
        "demographics": (
            ["sourcedId"],
            COMMON
            + [
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
            ],
        ),
    },
}
COLUMNS["1.1"] = {
    **COLUMNS["1.2"],
    "users": (
        [
            "sourcedId",
            "enabledUser",
            "orgSourcedIds",
            "role",
            "username",
            "givenName",
            "familyName",
        ],
        COMMON
        + [
            "userIds",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
        ],
    ),
}


def read_zip(data: bytes, source: str, roster: Roster) -> dict[str, bytes]:
    """The files at the root of a ZIP (or inside its single top folder), within size limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        roster.error(_("the file is not a ZIP archive"), Loc(source))
        return {}
    members = [m for m in archive.infolist() if not m.is_dir()]
    total = sum(m.file_size for m in members)
    if len(members) > MAX_ZIP_MEMBERS or total > MAX_UNPACKED_BYTES:
        roster.error(_("the ZIP archive is too large to be a roster"), Loc(source))
        return {}
    files: dict[str, bytes] = {}
    for member in members:
        name = member.filename.rsplit("/", 1)[-1]
        if name.endswith(".csv") and name not in files:
            try:
                files[name] = archive.read(member)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                # A wrong checksum, cut-off or unsupported data: the whole file is refused.
                roster.error(
                    _("the ZIP archive is damaged: %(name)s cannot be read") % {"name": name},
                    Loc(source),
                )
                return {}
    return files


@dataclass
class _User:
    sid: str
    row: Row
    table: Table
    deleted: bool = False
    role_orgs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    entered_on: date | None = None
    left_on: date | None = None


@dataclass
class _Enrollment:
    user: str
    klass: str
    school: str
    role: str
    deleted: bool
    loc: Loc
    begin: date | None = None


class _Package:
    """One package being read: the manifest's modes, the tables, and what was found in them."""

    def __init__(self, files: dict[str, bytes], source: str, today: date):
        self.files = files
        self.source = source
        self.today = today
        self.roster = Roster(kind="oneroster", version="", source=source)
        self.modes: dict[str, str] = {}
        self.tables: dict[str, Table] = {}
        self.warned: set[str] = set()
        self.left_out: set[str] = set()  # sourcedIds of rows left out with a warning

    def warn_once(self, key: str, message: str, loc: Loc) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.roster.warn(message, loc)

    def delta(self, name: str) -> bool:
        return self.modes.get(name) == "delta"

    def date(self, table: Table, row: Row, column: str) -> date | None:
        text = row.get(column)
        if not text:
            return None
        try:
            return parse_date(text)
        except DateError as exc:
            self.roster.error(str(exc), table.loc(row, column), text)
            return None

    def status(self, name: str, row: Row) -> str | None:
        """'active' or 'deleted' for a row to use; None for a row to leave out."""
        table = self.tables[name]
        status = row.get("status")
        if not self.delta(name):
            if status in ("", "active"):
                return "active"
            self.roster.warn(
                _("a bulk file lists a '%(status)s' row: left out") % {"status": status},
                table.loc(row, "status"),
                row.get("sourcedId"),
            )
            self.left_out.add(row.get("sourcedId"))
            return None
        if not row.get("dateLastModified"):
            self.roster.error(
                _("a delta file needs dateLastModified on every row"),
                table.loc(row, "dateLastModified"),
            )
        if status == "active":
            return "active"
        if status == "tobedeleted":
            return "deleted"
        self.roster.error(
            _("status must be 'active' or 'tobedeleted' in a delta file"),
            table.loc(row, "status"),
            status,
        )
        return None


def parse_oneroster(files: dict[str, bytes], source: str, *, today: date) -> Roster:
    package = _Package(files, source, today)
    if not _manifest(package) or not _load_tables(package):
        return package.roster
    orgs = _orgs(package)
    years = _sessions(package)
    classes = _classes(package, orgs, years)
    users = _users(package)
    _roles(package, users)
    enrollments = _enrollments(package, users, classes)
    births = _births(package)
    _assemble(package, orgs, classes, users, enrollments, births)
    return package.roster


# -- manifest and tables ---------------------------------------------------------------


def _manifest(package: _Package) -> bool:
    roster = package.roster
    if "manifest.csv" not in package.files:
        if "users.csv" in package.files:
            roster.error(
                _(
                    "no manifest.csv: this looks like OneRoster 1.0, which is not "
                    "supported; export OneRoster 1.1 or 1.2"
                ),
                Loc(package.source),
            )
        else:
            roster.error(_("no manifest.csv: this is not a OneRoster package"), Loc(package.source))
        return False
    table = _table(package, "manifest.csv")
    if table is None or not check_header(table, ["propertyName", "value"], [], roster):
        return False
    props = {row.get("propertyName"): row.get("value") for row in table.rows}
    version = props.get("oneroster.version", "")
    if version not in ("1.1", "1.2"):
        roster.error(
            _("oneroster.version must be 1.1 or 1.2"),
            Loc("manifest.csv", None, "oneroster.version"),
            version,
        )
        return False
    roster.version = version
    for name in FILES:
        mode = props.get(f"file.{name}", "absent").strip().lower()
        if mode not in ("absent", "bulk", "delta"):
            roster.error(
                _("must be absent, bulk or delta"), Loc("manifest.csv", None, f"file.{name}"), mode
            )
        package.modes[name] = mode
    return not roster.errors


def _load_tables(package: _Package) -> bool:
    roster = package.roster
    columns = COLUMNS[roster.version]
    for name in FILES:
        filename = f"{name}.csv"
        mode = package.modes[name]
        present = filename in package.files
        if not present:
            _case_mismatch(package, filename)
        if mode == "absent" and present:
            roster.error(_("the file is present but the manifest marks it absent"), Loc(filename))
        elif mode != "absent" and not present:
            roster.error(
                _("the manifest marks the file %(mode)s but it is missing") % {"mode": mode},
                Loc(filename),
            )
        if mode == "absent" or not present or (roster.version == "1.1" and name == "roles"):
            continue
        table = _table(package, filename)
        if table is not None:
            required, known = columns[name]
            check_header(table, required, known, roster)
            package.tables[name] = table
    if "users" not in package.tables and not roster.errors:
        roster.error(_("users.csv is needed: it holds the pupils"), Loc(package.source))
    if package.modes.get("users") == "bulk" and package.modes.get("orgs") == "absent":
        roster.error(_("a bulk users.csv needs orgs.csv to know the schools"), Loc("orgs.csv"))
    return not roster.errors


def _case_mismatch(package: _Package, filename: str) -> None:
    for other in package.files:
        if other.lower() == filename.lower():
            package.roster.error(
                _("file names are case-sensitive: expected %(name)s") % {"name": filename},
                Loc(other),
            )


def _table(package: _Package, filename: str) -> Table | None:
    from .common import read_table

    text = decode_text(package.files[filename], Loc(filename), package.roster)
    if text is None:
        return None
    table = read_table(text, filename, roster=package.roster)
    if table is not None and table.delimiter == ";":
        package.roster.warn(
            _(
                "the file uses ';' as separator: it was saved by a spreadsheet; "
                "check that leading zeros in ids survived"
            ),
            Loc(filename, 1),
        )
    return table


def _rows(package: _Package, name: str):
    """(row, status) for every row to use in the file, in order."""
    table = package.tables.get(name)
    for row in table.rows if table is not None else []:
        status = package.status(name, row)
        if status is not None:
            yield row, status


def _unique(package: _Package, name: str, seen: set[str], row: Row) -> str | None:
    sid = row.get("sourcedId")
    table = package.tables[name]
    if not sid:
        package.roster.error(_("sourcedId is empty"), table.loc(row, "sourcedId"))
        return None
    if sid in seen:
        package.roster.error(
            _("two rows have the same sourcedId"), table.loc(row, "sourcedId"), sid
        )
        return None
    seen.add(sid)
    return sid


# -- orgs, sessions, classes ------------------------------------------------------------


@dataclass
class _Org:
    sid: str
    name: str
    type: str
    identifier: str
    parent: str
    loc: Loc


def _orgs(package: _Package) -> dict[str, _Org]:
    orgs: dict[str, _Org] = {}
    seen: set[str] = set()
    table = package.tables.get("orgs")
    for row, _status in _rows(package, "orgs"):
        sid = _unique(package, "orgs", seen, row)
        if sid and table is not None:
            orgs[sid] = _Org(
                sid,
                row.get("name"),
                row.get("type"),
                row.get("identifier"),
                row.get("parentSourcedId"),
                table.loc(row),
            )
    for org in orgs.values():
        if org.parent and org.parent not in orgs and not package.delta("orgs"):
            package.roster.warn(
                _("the parent org is not in orgs.csv"),
                Loc(org.loc.file, org.loc.line, "parentSourcedId"),
                org.parent,
            )
    return orgs


def school_year_label(start: date) -> str:
    """Dutch school years start in August or September: 2025-09-01 is in 2025-2026."""
    first = start.year if start.month >= 8 else start.year - 1
    return f"{first}-{first + 1}"


def _sessions(package: _Package) -> dict[str, str]:
    """School year label per session sourcedId, from its dates, checked against schoolYear."""
    years: dict[str, str] = {}
    seen: set[str] = set()
    table = package.tables.get("academicSessions")
    for row, _status in _rows(package, "academicSessions"):
        sid = _unique(package, "academicSessions", seen, row)
        if not sid or table is None:
            continue
        start = package.date(table, row, "startDate")
        package.date(table, row, "endDate")
        year_text = row.get("schoolYear")
        if not re.fullmatch(r"\d{4}", year_text):
            package.roster.error(
                _("schoolYear must be a year of four digits"),
                table.loc(row, "schoolYear"),
                year_text,
            )
            continue
        if start is None:
            continue
        label = school_year_label(start)
        if int(year_text) != int(label[5:]):
            package.roster.warn(
                _("schoolYear does not match the session's dates; the dates were used"),
                table.loc(row, "schoolYear"),
                year_text,
            )
        years[sid] = label
    return years


@dataclass
class _Class:
    sid: str
    title: str
    school: str
    year: str
    loc: Loc


def _classes(package: _Package, orgs: dict[str, _Org], years: dict[str, str]) -> dict[str, _Class]:
    """Homeroom classes (stamgroepen); scheduled classes are counted and left out."""
    classes: dict[str, _Class] = {}
    seen: set[str] = set()
    skipped = 0
    table = package.tables.get("classes")
    for row, _status in _rows(package, "classes"):
        sid = _unique(package, "classes", seen, row)
        if not sid or table is None:
            continue
        school = row.get("schoolSourcedId")
        if school not in orgs and not package.delta("classes"):
            package.roster.error(
                _("the class refers to a school that is not in orgs.csv"),
                table.loc(row, "schoolSourcedId"),
                school,
            )
            continue
        if row.get("classType") != "homeroom":
            skipped += 1
            continue
        classes[sid] = _Class(
            sid, row.get("title"), school, _class_year(package, table, row, years), table.loc(row)
        )
        if not row.get("title"):
            package.roster.error(_("the class has no title"), table.loc(row, "title"))
    if skipped:
        package.roster.warn(
            _(
                "%(count)d classes that are not homeroom classes were left out: "
                "Consentry keeps only stamgroepen"
            )
            % {"count": skipped},
            Loc("classes.csv"),
        )
    return classes


def _class_year(package: _Package, table: Table, row: Row, years: dict[str, str]) -> str:
    terms = split_list(row.get("termSourcedIds"))
    for term in terms:
        if term in years:
            return years[term]
    if not package.delta("classes") and "academicSessions" in package.tables:
        package.roster.error(
            _("the class refers to a term that is not in academicSessions.csv"),
            table.loc(row, "termSourcedIds"),
            row.get("termSourcedIds"),
        )
    return school_year_label(package.today)


# -- users, roles, enrollments, demographics --------------------------------------------


def _users(package: _Package) -> dict[str, _User]:
    users: dict[str, _User] = {}
    seen: set[str] = set()
    table = package.tables["users"]
    for row, status in _rows(package, "users"):
        sid = _unique(package, "users", seen, row)
        if not sid:
            continue
        user = _User(sid, row, table, deleted=status == "deleted")
        _check_enabled(package, table, row)
        if package.roster.version == "1.1":
            role = row.get("role")
            if _known_role(package, table, row, role):
                orgs = set(split_list(row.get("orgSourcedIds")))
                user.role_orgs[role] |= orgs
        users[sid] = user
    return users


def _check_enabled(package: _Package, table: Table, row: Row) -> None:
    value = row.get("enabledUser")
    if value in ("TRUE", "FALSE", "True", "False"):
        package.warn_once(
            "enabled-case",
            _("booleans are written in capitals (TRUE/FALSE): the file was saved by a spreadsheet"),
            table.loc(row, "enabledUser"),
        )
        return
    try:
        parse_bool(value)
    except ValueError:
        package.roster.warn(
            _("enabledUser is not true or false"), table.loc(row, "enabledUser"), value
        )


def _known_role(package: _Package, table: Table, row: Row, role: str) -> bool:
    if role in KNOWN_ROLES or role.startswith("ext:"):
        return True
    package.roster.warn(_("unknown role: row left out"), table.loc(row, "role"), role)
    return False


def _roles(package: _Package, users: dict[str, _User]) -> None:
    """1.2 roles.csv: a person may be a teacher at one school and a parent at another."""
    table = package.tables.get("roles")
    if table is None:
        return
    for row, status in _rows(package, "roles"):
        user = users.get(row.get("userSourcedId"))
        role = row.get("role")
        if user is None:
            if not package.delta("roles") and row.get("userSourcedId") not in package.left_out:
                package.roster.error(
                    _("the role refers to a user who is not in users.csv"),
                    table.loc(row, "userSourcedId"),
                    row.get("userSourcedId"),
                )
            continue
        if status == "deleted" or not _known_role(package, table, row, role):
            continue
        user.role_orgs[role].add(row.get("orgSourcedId"))
        if role == STUDENT:
            user.entered_on = package.date(table, row, "beginDate") or user.entered_on
            user.left_on = package.date(table, row, "endDate")


def _enrollments(
    package: _Package, users: dict[str, _User], classes: dict[str, _Class]
) -> list[_Enrollment]:
    enrollments: list[_Enrollment] = []
    table = package.tables.get("enrollments")
    if table is None:
        return enrollments
    delta = package.delta("enrollments")
    other_classes = _all_class_ids(package) - set(classes)
    for row, status in _rows(package, "enrollments"):
        klass, user_id, role = (
            row.get("classSourcedId"),
            row.get("userSourcedId"),
            row.get("role"),
        )
        if user_id in package.left_out or klass in package.left_out:
            continue
        if user_id not in users and not delta:
            package.roster.error(
                _("the enrollment refers to a user who is not in users.csv"),
                table.loc(row, "userSourcedId"),
                user_id,
            )
            continue
        if klass in other_classes:
            continue  # a scheduled class: not a stamgroep
        if klass not in classes and not delta:
            package.roster.error(
                _("the enrollment refers to a class that is not in classes.csv"),
                table.loc(row, "classSourcedId"),
                klass,
            )
            continue
        end = package.date(table, row, "endDate")
        if end is not None and end < package.today and status == "active":
            continue  # ended: the pupil or teacher is no longer in this class
        user = users.get(user_id)
        if user is not None and role in (STUDENT, TEACHER) and not _fits(user, role):
            package.roster.warn(
                _("the enrollment's role does not match the user's role: left out"),
                table.loc(row, "role"),
                role,
            )
            continue
        enrollments.append(
            _Enrollment(
                user_id,
                klass,
                row.get("schoolSourcedId"),
                role,
                status == "deleted",
                table.loc(row),
                package.date(table, row, "beginDate"),
            )
        )
    return enrollments


def _fits(user: _User, role: str) -> bool:
    if not user.role_orgs:  # 1.2 without roles.csv: the enrollment is the only word on it
        user.role_orgs[role] = set()
    return role in user.role_orgs


def _all_class_ids(package: _Package) -> set[str]:
    table = package.tables.get("classes")
    return {row.get("sourcedId") for row in table.rows} if table is not None else set()


def _births(package: _Package) -> dict[str, date | None]:
    """birthDate per user; every other demographic column is never read."""
    births: dict[str, date | None] = {}
    table = package.tables.get("demographics")
    if table is not None and "birthDate" not in table.header:
        package.roster.warn(_("demographics.csv has no birthDate column"), Loc(table.name, 1))
    for row, _status in _rows(package, "demographics"):
        if table is not None:
            errors_before = len(package.roster.errors)
            births[row.get("sourcedId")] = package.date(table, row, "birthDate")
            if len(package.roster.errors) > errors_before:
                package.left_out.add(row.get("sourcedId"))  # reported: do not plan the pupil
    return births


# -- assembling schools ----------------------------------------------------------------


class _Assembly:
    """Sorts users, classes and links into one SchoolIn per school org."""

    def __init__(
        self,
        package: _Package,
        orgs: dict[str, _Org],
        classes: dict[str, _Class],
        users: dict[str, _User],
        enrollments: list[_Enrollment],
    ):
        self.package = package
        self.roster = package.roster
        self.orgs = orgs
        self.classes = classes
        self.users = users
        self.schools: dict[str, SchoolIn] = {}
        self.by_user: dict[str, list[_Enrollment]] = defaultdict(list)
        for enrollment in enrollments:
            self.by_user[enrollment.user].append(enrollment)
        self.pupil_schools: dict[str, set[str]] = {}

    def is_school(self, sid: str) -> bool:
        if "orgs" not in self.package.tables:
            return bool(sid)
        org = self.orgs.get(sid)
        return org is not None and org.type == "school"

    def school(self, sid: str) -> SchoolIn:
        if sid not in self.schools:
            org = self.orgs.get(sid)
            parent = self.orgs.get(org.parent) if org is not None else None
            identifier = (org.identifier if org is not None else "").upper().replace(" ", "")
            match = BRIN_ID.fullmatch(identifier)
            users_bulk = self.package.modes.get("users") == "bulk"
            self.schools[sid] = SchoolIn(
                key=sid,
                loc=org.loc if org is not None else Loc("orgs.csv", None, sid),
                name=org.name if org is not None else "",
                brin=match[1] if match else "",
                dependance=match[2] if match and match[2] not in (None, "00") else "",
                board_name=parent.name if parent is not None and parent.type == "district" else "",
                reference_date=self.package.today,
                pupils_complete=users_bulk,
                teachers_complete=users_bulk,
                guardians_complete=users_bulk,
            )
        return self.schools[sid]

    def user_schools(self, user: _User, role: str) -> list[str]:
        """The schools where the user has this role: from roles/orgs, and from enrollments."""
        found = {o for o in user.role_orgs.get(role, set()) if self.is_school(o)}
        found |= {
            e.school
            for e in self.by_user[user.sid]
            if e.role == role and not e.deleted and self.is_school(e.school)
        }
        return sorted(found)

    def enrollments(self, user: _User, role: str, school: str) -> list[_Enrollment]:
        return [e for e in self.by_user[user.sid] if e.role == role and self.school_of(e) == school]

    def school_of(self, enrollment: _Enrollment) -> str:
        klass = self.classes.get(enrollment.klass)
        return klass.school if klass is not None else enrollment.school


def _assemble(
    package: _Package,
    orgs: dict[str, _Org],
    classes: dict[str, _Class],
    users: dict[str, _User],
    enrollments: list[_Enrollment],
    births: dict[str, date | None],
) -> None:
    assembly = _Assembly(package, orgs, classes, users, enrollments)
    for sid, org in orgs.items():
        if org.type == "school":
            assembly.school(sid)
    for klass in classes.values():
        school = assembly.school(klass.school)
        school.groups.append(GroupIn(klass.sid, klass.title, klass.year, klass.loc))
        school.school_year = max(school.school_year, klass.year)
    other_staff = 0
    for user in users.values():
        roles = set(user.role_orgs)
        if STUDENT in roles:
            _pupil(assembly, user, births)
        if TEACHER in roles:
            _teacher(assembly, user)
        elif roles - GUARDIAN_ROLES - {STUDENT, "relative"}:
            other_staff += 1
    _guardians(assembly)
    _enrollments_of_others(assembly)
    if other_staff:
        package.roster.warn(
            _(
                "%(count)d staff members with other roles (principal, aide, "
                "administrator...) were not imported: roles are not permissions, "
                "grant them in Consentry"
            )
            % {"count": other_staff},
            Loc("users.csv"),
        )
    for school in assembly.schools.values():
        school.school_year = school.school_year or school_year_label(package.today)
    package.roster.schools = list(assembly.schools.values())


def _name(user: _User) -> tuple[str, str, str] | None:
    """(given, prefix, family). OneRoster has no tussenvoegsel field: split it off the family
    name, or take it from middleName where a producer put it there (6.4)."""
    row = user.row
    given = row.get("preferredGivenName") or row.get("givenName")
    prefix, family = split_prefix(row.get("preferredFamilyName") or row.get("familyName"))
    middle = row.get("middleName")
    if not prefix and middle and split_prefix(f"{middle} x")[0] == middle:
        prefix = middle
    if not given and not family:
        return None
    return given, prefix, family


def _pupil(assembly: _Assembly, user: _User, births: dict[str, date | None]) -> None:
    package, roster = assembly.package, assembly.roster
    loc = user.table.loc(user.row)
    if user.deleted:
        for sid in assembly.user_schools(user, STUDENT) or list(user.role_orgs.get(STUDENT, [])):
            assembly.school(sid).departures.append(Departure("pupil", user.sid, loc))
        return
    names = _name(user)
    number = user.row.get("identifier") or user.sid
    if names is None:
        roster.error(_("the pupil has no name (givenName, familyName)"), loc, user.sid)
        return
    if len(number) > 50:
        roster.error(_("the pupil number (identifier) is longer than 50 characters"), loc, number)
        return
    if user.sid in package.left_out:
        return
    schools = assembly.user_schools(user, STUDENT)
    if not schools:
        roster.error(_("the pupil belongs to no school in orgs.csv"), loc, user.sid)
        return
    assembly.pupil_schools[user.sid] = set(schools)
    left = user.left_on is not None and user.left_on <= package.today
    for sid in schools:
        pupil = PupilIn(
            key=user.sid,
            number=number,
            given_name=names[0],
            prefix=names[1],
            family_name=names[2],
            loc=loc,
            date_of_birth=births.get(user.sid),
            entered_on=user.entered_on,
            left_on=user.left_on if left else None,
            has_left=left,
        )
        _place(assembly, user, pupil, sid)
        assembly.school(sid).pupils.append(pupil)


def _place(assembly: _Assembly, user: _User, pupil: PupilIn, school_sid: str) -> None:
    """The pupil's stamgroep: from a bulk enrollments file directly, from a delta as moves."""
    mode = assembly.package.modes.get("enrollments")
    enrollments = assembly.enrollments(user, STUDENT, school_sid)
    if mode != "bulk":
        pupil.keep_group = True
        school = assembly.school(school_sid)
        for e in sorted(enrollments, key=lambda e: not e.deleted):  # removals first
            school.moves.append(
                GroupMove(
                    user.sid, e.loc, None if e.deleted else e.klass, e.klass if e.deleted else None
                )
            )
        return
    if len(enrollments) > 1:
        assembly.roster.warn(
            _("the pupil is enrolled in several homeroom classes; the latest was used"),
            pupil.loc,
            user.sid,
        )
        enrollments.sort(key=lambda e: e.begin or date.min)
    pupil.group_key = enrollments[-1].klass if enrollments else None


def _teacher(assembly: _Assembly, user: _User) -> None:
    loc = user.table.loc(user.row)
    schools = assembly.user_schools(user, TEACHER)
    if user.deleted:
        for sid in schools or list(user.role_orgs.get(TEACHER, [])):
            assembly.school(sid).departures.append(Departure("teacher", user.sid, loc))
        return
    names = _name(user)
    email = normalise_email(user.row.get("email"))
    if names is None or email is None:
        assembly.roster.warn(
            _("the teacher has no name or no valid e-mail address, so no account: skipped"),
            loc,
            user.sid,
        )
        return
    bulk = assembly.package.modes.get("enrollments") == "bulk"
    for sid in schools:
        enrollments = assembly.enrollments(user, TEACHER, sid)
        assembly.school(sid).teachers.append(
            TeacherIn(
                key=user.sid,
                full_name=full_name(*names),
                email=email,
                loc=loc,
                group_keys=[e.klass for e in enrollments if not e.deleted],
                removed_group_keys=[e.klass for e in enrollments if e.deleted],
                groups_complete=bulk,
            )
        )


def _links(assembly: _Assembly) -> dict[str, dict[str, Loc]]:
    """Pupil sourcedIds per guardian sourcedId, from agentSourcedIds on either side."""
    users, roster = assembly.users, assembly.roster
    delta = assembly.package.delta("users")
    links: dict[str, dict[str, Loc]] = defaultdict(dict)
    for user in users.values():
        loc = user.table.loc(user.row, "agentSourcedIds")
        for agent_id in split_list(user.row.get("agentSourcedIds")):
            agent = users.get(agent_id)
            mine, theirs = set(user.role_orgs), set(agent.role_orgs) if agent else set()
            if STUDENT in mine and theirs & GUARDIAN_ROLES:
                links[agent_id][user.sid] = loc
            elif mine & GUARDIAN_ROLES and (STUDENT in theirs or (agent is None and delta)):
                links[user.sid][agent_id] = loc
            elif agent is None:
                roster.warn(_("the agent is not in users.csv: link left out"), loc, agent_id)
            elif "relative" in mine | theirs:
                roster.warn(
                    _("a relative is not a guardian who decides: link left out"), loc, agent_id
                )
            else:
                roster.warn(
                    _("the link is not between a pupil and a parent or guardian: left out"),
                    loc,
                    agent_id,
                )
    return links


def _guardians(assembly: _Assembly) -> None:
    links = _links(assembly)
    for user in assembly.users.values():
        if not set(user.role_orgs) & GUARDIAN_ROLES:
            continue
        loc = user.table.loc(user.row)
        if user.deleted:
            for sid in [o for r in GUARDIAN_ROLES for o in user.role_orgs.get(r, set())]:
                if assembly.is_school(sid):
                    assembly.school(sid).departures.append(Departure("guardian", user.sid, loc))
            continue
        children = links.get(user.sid, {})
        names, email = _name(user), normalise_email(user.row.get("email"))
        if not children:
            assembly.roster.warn(
                _("the parent or guardian is linked to no pupil: skipped"), loc, user.sid
            )
            continue
        if names is None or email is None:
            assembly.roster.warn(
                _(
                    "the guardian has no name or no valid e-mail address, so "
                    "cannot be invited: skipped"
                ),
                loc,
                user.sid,
            )
            continue
        _guardian_per_school(assembly, user, full_name(*names), email, children)


def _guardian_per_school(
    assembly: _Assembly, user: _User, name: str, email: str, children: dict[str, Loc]
) -> None:
    fallback = [
        o for r in GUARDIAN_ROLES for o in user.role_orgs.get(r, set()) if assembly.is_school(o)
    ]
    per_school: dict[str, list[ChildLink]] = defaultdict(list)
    for pupil_id, loc in children.items():
        for sid in assembly.pupil_schools.get(pupil_id, set(fallback)):
            per_school[sid].append(ChildLink(pupil_id, loc))
    for sid, child_links in per_school.items():
        assembly.school(sid).guardians.append(
            GuardianIn(
                key=user.sid,
                full_name=name,
                email=email,
                loc=user.table.loc(user.row),
                children=child_links,
            )
        )


def _enrollments_of_others(assembly: _Assembly) -> None:
    """Delta enrollments of people not in this users.csv: pupils imported before move; the
    sync service finds them (or reports them). Teachers must come with their users row."""
    for user_id, enrollments in assembly.by_user.items():
        if user_id in assembly.users:
            continue
        for e in sorted(enrollments, key=lambda e: not e.deleted):  # removals first
            if e.role == STUDENT:
                assembly.school(assembly.school_of(e)).moves.append(
                    GroupMove(
                        user_id,
                        e.loc,
                        None if e.deleted else e.klass,
                        e.klass if e.deleted else None,
                    )
                )
            else:
                assembly.roster.warn(
                    _(
                        "an enrollment of someone who is not in users.csv was "
                        "not applied: include their row in users.csv"
                    ),
                    e.loc,
                    user_id,
                )
