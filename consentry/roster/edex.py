"""EDEXML 1.03, 2.0 and 2.1 (one school, one school year) into a Roster.

Read by element name, not by schema: the published XSDs reject files that are fine in
practice (a school year after the schema's last enumerated year, vendor blocks, elements in
another order), so the semantic rules are checked here instead: keys unique, links resolve,
a name present, codes and dates valid (ROSTER-FORMATS.md 6.3). Parents are not in EDEXML.
"""

import re
from datetime import date

from django.utils.translation import gettext as _

from . import xmlsafe
from .common import DateError, full_name, looks_mangled, normalise_email, parse_date
from .common import parse_date_or_datetime as parse_datetime
from .records import GroupIn, Loc, PupilIn, Roster, SchoolIn, TeacherIn
from .xmlsafe import Node

# Never kept, not even as text in the parse tree (6.9): national numbers, origin, weights...
NEVER_READ = frozenset(
    {
        "bsn",
        "sofinummer",
        "onderwijsnummer",
        "bsn_ondwnr-4",
        "rijksregisternummer",
        "etniciteit",
        "land",
        "land_vader",
        "land_moeder",
        "gewicht",
        "gewicht_nieuw",
        "postcodenl",
        "postnummerbe",
        "postcodeoverig",
        "geslacht",
        "fotourl",
        "gebruikersnaam",
        "start_ondw_jgr3",
    }
)
YEAR_CODES = frozenset(
    ["B", "D", "S", "V", "C", "N", "H"]
    + [str(n) for n in range(0, 9)]
    + [str(n) for n in range(11, 17)]
)
SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{4})")
BRIN = re.compile(r"\d{2}[A-Z]{2}")
MAX_NUMBER = 50  # schools.Pupil.pupil_number


def year_level(code: str) -> int | None:
    """The stored year level: 0-8 (peuters, groep 1-8) and 11-16; the letter codes have none."""
    return int(code) if code.isdigit() else None


class _Reader:
    """Keeps the roster being built and the file name for locations."""

    def __init__(self, filename: str, today: date):
        self.filename = filename
        self.today = today
        self.roster = Roster(kind="edex", version="", source=filename)

    def loc(self, node: Node, where: str = "") -> Loc:
        return Loc(self.filename, node.line, where or f"<{node.tag}>")

    def where(self, node: Node, child: str = "") -> str:
        key = node.key()
        base = f'<{node.tag} key="{key}">' if key else f"<{node.tag}>"
        return f"{base}/{child}" if child else base

    def date_of(self, node: Node, tag: str) -> date | None:
        child = node.find(tag)
        if child is None or not child.text:
            return None
        try:
            return parse_date(child.text)
        except DateError as exc:
            self.roster.error(str(exc), self.loc(child, self.where(node, tag)), child.text)
            return None


def parse_edex(data: bytes, filename: str, *, today: date) -> Roster:
    reader = _Reader(filename, today)
    roster = reader.roster
    try:
        root = xmlsafe.parse(data, drop_text=NEVER_READ)
    except xmlsafe.UnsafeXml:
        roster.error(_("the file declares a DTD or entities, which is not allowed"), Loc(filename))
        return roster
    except xmlsafe.XmlSyntaxError as exc:
        roster.error(
            _("the file is not well-formed XML: %(error)s") % {"error": exc},
            Loc(filename, exc.line),
        )
        return roster
    if root.tag not in ("EDEX", "leerlinggegevens"):
        roster.error(
            _("the root element is <%(tag)s>, not <EDEX>: this is not an EDEXML file")
            % {"tag": root.tag},
            Loc(filename, root.line),
        )
        return roster
    school = _school(reader, root)
    if school is None:
        return roster
    roster.schools.append(school)
    groups, composed = _groups(reader, root, school)
    school.groups = [*groups.values(), *composed.values()]
    school.pupils = _pupils(reader, root, school, groups, composed)
    school.teachers = _teachers(reader, root, groups, composed)
    school.teachers_complete = root.find("leerkrachten") is not None
    school.pupils_complete = True
    return roster


def _school(reader: _Reader, root: Node) -> SchoolIn | None:
    roster = reader.roster
    node = root.find("school")
    if node is None:
        roster.error(_("the <school> element is missing"), reader.loc(root, "<EDEX>"))
        return None
    roster.version = node.child_text("xsdversie") or _("unknown")
    year = node.child_text("schooljaar")
    match = SCHOOL_YEAR.fullmatch(year)
    if not match or int(match[2]) != int(match[1]) + 1:
        roster.error(
            _("the school year must look like 2025-2026"),
            reader.loc(node, "<school>/schooljaar"),
            year,
        )
        return None
    brin = node.child_text("brincode").upper()
    if brin and not BRIN.fullmatch(brin):
        roster.error(
            _("a BRIN code is two digits and two capitals, like 12AB"),
            reader.loc(node, "<school>/brincode"),
            brin,
        )
    dependance = node.child_text("dependancecode")
    if dependance and not re.fullmatch(r"\d{2}", dependance):
        roster.error(
            _("a dependance code is two digits"),
            reader.loc(node, "<school>/dependancecode"),
            dependance,
        )
    dependance = "" if dependance == "00" else dependance
    other_key = node.child_text("schoolkey") or node.child_text("instellingsnummer")
    school = SchoolIn(
        key=f"{brin}{dependance}" if brin else other_key,
        loc=reader.loc(node, "<school>"),
        name=f"{brin}{('-' + dependance) if dependance else ''}" if brin else other_key,
        brin=brin,
        dependance=dependance,
        school_year=year,
    )
    school.created_at = _created_at(reader, node)
    peildatum = reader.date_of(node, "peildatum")
    school.reference_date = peildatum or (school.created_at.date() if school.created_at else None)
    return school


def _created_at(reader: _Reader, node: Node):
    child = node.find("aanmaakdatum")
    if child is None or not child.text:
        return None
    try:
        return parse_datetime(child.text)
    except DateError as exc:
        reader.roster.error(str(exc), reader.loc(child, "<school>/aanmaakdatum"), child.text)
        return None


def _groups(
    reader: _Reader, root: Node, school: SchoolIn
) -> tuple[dict[str, GroupIn], dict[str, GroupIn]]:
    """Stamgroepen by key, and composed groups (samengestelde groepen) by key."""
    roster = reader.roster
    groups: dict[str, GroupIn] = {}
    composed: dict[str, GroupIn] = {}
    container = root.find("groepen")
    if container is None:
        return groups, composed
    names: dict[str, str] = {}
    for node in container.children:
        if node.tag not in ("groep", "samengestelde_groep"):
            continue
        key = node.key()
        if not key:
            roster.error(_("a group has no key"), reader.loc(node))
            continue
        if key in groups or key in composed:
            roster.error(_("two groups have the same key"), reader.loc(node), key)
            continue
        name = node.child_text("naam")
        if not name:
            roster.error(_("the group has no name"), reader.loc(node, reader.where(node, "naam")))
        if node.tag == "samengestelde_groep":
            if len(name) > 100:
                roster.error(
                    _("the group name is longer than 100 characters"), reader.loc(node), name
                )
            composed[key] = GroupIn(key, name, school.school_year, reader.loc(node), composed=True)
            continue
        code = node.child_text("jaargroep")
        if code not in YEAR_CODES:
            roster.error(
                _("year level out of range (allowed: B, D, 0-8, 11-16, S, V, C, N, H)"),
                reader.loc(node, reader.where(node, "jaargroep")),
                code,
            )
        if name in names:
            roster.error(
                _("two groups have the same name (keys %(first)s and %(second)s)")
                % {"first": names[name], "second": key},
                reader.loc(node),
                name,
            )
        names[name] = key
        if len(name) > 100:
            roster.error(_("the group name is longer than 100 characters"), reader.loc(node), name)
        groups[key] = GroupIn(key, name, school.school_year, reader.loc(node), code)
    return groups, composed


def _name_parts(reader: _Reader, node: Node) -> tuple[str, str, str] | None:
    """(given name, prefix, family name), or None when the name rule is broken."""
    family = node.child_text("achternaam")
    given = node.child_text("roepnaam") or node.child_text("voornamen").split(" ")[0]
    if not family and not node.child_text("roepnaam"):
        reader.roster.error(
            _("no name: either achternaam or roepnaam is required"),
            reader.loc(node, reader.where(node)),
        )
        return None
    if not given:
        given = node.child_text("voorletters-1")
    prefix = node.child_text("voorvoegsel")
    for part in (given, prefix, family):
        if looks_mangled(part):
            reader.roster.warn(
                _("the name looks garbled by a wrong character encoding"),
                reader.loc(node, reader.where(node)),
                part,
            )
    return given, prefix, family


def _pupils(
    reader: _Reader,
    root: Node,
    school: SchoolIn,
    groups: dict[str, GroupIn],
    composed: dict[str, GroupIn],
) -> list[PupilIn]:
    roster = reader.roster
    container = root.find("leerlingen")
    nodes = container.findall("leerling") if container is not None else []
    if not nodes:
        roster.error(_("the file has no pupils (<leerlingen>/<leerling>)"), reader.loc(root))
        return []
    reference = school.reference_date or reader.today
    pupils: dict[str, PupilIn] = {}
    for node in nodes:
        pupil = _pupil(reader, node, groups, composed, reference)
        if pupil is None:
            continue
        if pupil.key in pupils:
            roster.error(_("two pupils have the same key"), pupil.loc, pupil.key)
            continue
        pupils[pupil.key] = pupil
    return list(pupils.values())


def _pupil(
    reader: _Reader,
    node: Node,
    groups: dict[str, GroupIn],
    composed: dict[str, GroupIn],
    reference: date,
) -> PupilIn | None:
    roster = reader.roster
    key = node.key()
    loc = reader.loc(node, reader.where(node))
    errors_before = len(roster.errors)
    if not key:
        roster.error(_("a pupil has no key"), loc)
        return None
    if key.startswith("#"):
        roster.warn(
            _(
                "the pupil has a temporary key (#...) that cannot be matched on a later "
                "import: skipped until the administration gives a real pupil number"
            ),
            loc,
            key,
        )
        return None
    if len(key) > MAX_NUMBER:
        roster.error(
            _("the pupil key is longer than %(max)d characters") % {"max": MAX_NUMBER}, loc, key
        )
        return None
    names = _name_parts(reader, node)
    group_key, extra_keys = _group_link(reader, node, groups, composed)
    code = node.child_text("jaargroep")
    if code and code not in YEAR_CODES:
        roster.error(
            _("year level out of range (allowed: B, D, 0-8, 11-16, S, V, C, N, H)"),
            reader.loc(node, reader.where(node, "jaargroep")),
            code,
        )
    if not code and group_key:
        code = groups[group_key].year_code
    birth = reader.date_of(node, "geboortedatum")
    entered = reader.date_of(node, "instroomdatum")
    left = reader.date_of(node, "uitstroomdatum")
    if names is None or len(roster.errors) > errors_before:
        return None  # reported already; planning it would only repeat the problem
    given, prefix, family = names
    return PupilIn(
        key=key,
        number=key,
        given_name=given,
        prefix=prefix,
        family_name=family,
        loc=loc,
        date_of_birth=birth,
        year_level=year_level(code) if code in YEAR_CODES else None,
        year_level_known=True,
        group_key=group_key,
        extra_group_keys=extra_keys,
        entered_on=entered,
        left_on=left,
        has_left=(left is not None and left <= reference) or code == "H",
    )


def _group_link(
    reader: _Reader, node: Node, groups: dict[str, GroupIn], composed: dict[str, GroupIn]
) -> tuple[str | None, list[str]]:
    """The pupil's stamgroep key, and the keys of their composed groups."""
    link = node.find("groep")
    extras = node.find("samengestelde_groepen")
    extra_keys: list[str] = []
    for extra in extras.children if extras is not None else []:
        if extra.key() not in composed:
            reader.roster.error(
                _("link to a composed group that is not in the file"),
                reader.loc(extra, reader.where(node, "samengestelde_groep")),
                extra.key(),
            )
        elif extra.key() not in extra_keys:
            extra_keys.append(extra.key())
    if link is None:
        return None, extra_keys
    if link.key() not in groups:
        reader.roster.error(
            _("link to a group that is not in the file"),
            reader.loc(link, reader.where(node, "groep")),
            link.key(),
        )
        return None, extra_keys
    return link.key(), extra_keys


def _teachers(
    reader: _Reader, root: Node, groups: dict[str, GroupIn], composed: dict[str, GroupIn]
) -> list[TeacherIn]:
    roster = reader.roster
    container = root.find("leerkrachten")
    teachers: dict[str, TeacherIn] = {}
    for node in container.findall("leerkracht") if container is not None else []:
        key = node.key()
        loc = reader.loc(node, reader.where(node))
        if not key:
            roster.error(_("a teacher has no key"), loc)
            continue
        if key in teachers:
            roster.error(_("two teachers have the same key"), loc, key)
            continue
        names = _name_parts(reader, node)
        links, roles = _teacher_links(reader, node, groups, composed)
        if names is None:
            continue
        email_text = node.child_text("emailadres")
        email = normalise_email(email_text) if email_text else None
        if email is None:
            roster.warn(
                _("the teacher has no valid e-mail address, so no account: skipped"),
                loc,
                email_text,
            )
            continue
        teachers[key] = TeacherIn(
            key=key,
            full_name=full_name(*names),
            email=email,
            loc=loc,
            group_keys=links,
            intern=bool(roles) and roles <= {"STA"},
        )
    return list(teachers.values())


def _teacher_links(
    reader: _Reader, node: Node, groups: dict[str, GroupIn], composed: dict[str, GroupIn]
) -> tuple[list[str], set[str]]:
    """The teacher's groups (stamgroepen and composed groups), and every role code given (as a
    proposal, never a right)."""
    roles = {r.text for r in node.findall("rol") if r.text}
    links: list[str] = []
    container = node.find("groepen")
    for link in container.children if container is not None else []:
        key = link.key()
        known: dict[str, GroupIn] = groups if link.tag == "groep" else composed
        if link.tag not in ("groep", "samengestelde_groep"):
            continue
        if key not in known:
            reader.roster.error(
                _("link to a group that is not in the file"),
                reader.loc(link, reader.where(node, link.tag)),
                key,
            )
            continue
        roles |= {r.text for r in link.findall("rol") if r.text}
        if key not in links:
            links.append(key)
    return links, roles
