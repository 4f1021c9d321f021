"""The guardians CSV: parents for EDEXML schools, whose export has none.

One row per guardian per child, in a template the school fills in a spreadsheet:

    pupil_number,guardian_name,email,parental_authority
    1001,Sanne de Vries,sanne.devries@example.nl,yes

Dutch headers are accepted too (leerlingnummer, naam, e-mail, gezag). Dutch spreadsheets save
with `;` and sometimes a BOM; both are fine. Authority is yes/no in any usual spelling (yes,
TRUE, ja, WAAR, 1). The file only adds and updates: a guardian left out is not removed.
"""

from django.utils.translation import gettext as _

from .common import check_header, decode_text, normalise_email, parse_bool, read_table
from .records import ChildLink, GuardianIn, Loc, Roster, SchoolIn

TEMPLATE = "pupil_number,guardian_name,email,parental_authority\r\n"
COLUMNS = ["pupil_number", "guardian_name", "email", "parental_authority"]
ALIASES = {
    "leerlingnummer": "pupil_number",
    "leerling_nummer": "pupil_number",
    "pupil_number": "pupil_number",
    "naam": "guardian_name",
    "naam_ouder": "guardian_name",
    "guardian_name": "guardian_name",
    "name": "guardian_name",
    "email": "email",
    "e_mail": "email",
    "emailadres": "email",
    "e_mailadres": "email",
    "gezag": "parental_authority",
    "ouderlijk_gezag": "parental_authority",
    "parental_authority": "parental_authority",
}


def _canonical(header: str) -> str:
    simple = header.strip().lower().replace("-", "_").replace(" ", "_")
    return ALIASES.get(simple, header.strip())


def parse_guardians(data: bytes, filename: str) -> Roster:
    roster = Roster(kind="guardians", version="1", source=filename, child_ref="number")
    text = decode_text(data, Loc(filename), roster)
    table = read_table(text, filename, roster=roster) if text is not None else None
    if table is None:
        return roster
    header = [_canonical(h) for h in table.header]
    for row in table.rows:
        row.cells = {_canonical(k): v for k, v in row.cells.items()}
    table.header = header
    if not check_header(table, COLUMNS, [], roster):
        return roster
    guardians: dict[str, GuardianIn] = {}
    for row in table.rows:
        _row(roster, table, row, guardians)
    school = SchoolIn(key="", loc=Loc(filename), has_pupils=False)
    school.guardians = list(guardians.values())
    roster.schools.append(school)
    return roster


def _row(roster: Roster, table, row, guardians: dict[str, GuardianIn]) -> None:
    number, name = row.get("pupil_number"), row.get("guardian_name")
    email = normalise_email(row.get("email"))
    if not number:
        roster.error(_("the pupil number is empty"), table.loc(row, "pupil_number"))
    if not name:
        roster.error(_("the guardian's name is empty"), table.loc(row, "guardian_name"))
    if email is None:
        roster.error(_("not a valid e-mail address"), table.loc(row, "email"), row.get("email"))
    try:
        authority = parse_bool(row.get("parental_authority"))
        if not row.get("parental_authority"):
            raise ValueError
    except ValueError:
        roster.error(
            _("parental authority must be yes or no"),
            table.loc(row, "parental_authority"),
            row.get("parental_authority"),
        )
        return
    if not (number and name and email):
        return
    guardian = guardians.setdefault(email, GuardianIn(email, name, email, table.loc(row)))
    if guardian.full_name != name:
        roster.warn(
            _(
                "the same e-mail address has another name on an earlier line; the first "
                "name is kept"
            ),
            table.loc(row, "guardian_name"),
            name,
        )
    if any(child.pupil_ref == number for child in guardian.children):
        roster.error(
            _("this guardian and pupil are already on an earlier line"),
            table.loc(row, "pupil_number"),
            number,
        )
        return
    guardian.children.append(ChildLink(number, table.loc(row, "pupil_number"), authority))
