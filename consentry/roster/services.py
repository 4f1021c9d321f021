"""Running an import: parse, find the schools, plan, and then show or apply the plan.

Used by the `consentry import` command and by the leadership's upload page alike, so both
give the same report. A real run plans again inside its transaction (the database may have
changed since a dry run) and applies only a plan without errors: the whole file lands or
nothing does. Every applied import leaves an audit entry and a history row per school.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.audit.services import record
from consentry.schools.models import School, split_brin

from .apply import apply_plan
from .edex import parse_edex
from .guardians_csv import parse_guardians
from .models import RosterImport, SourceLink
from .oneroster import parse_oneroster, read_zip
from .records import Loc, Roster, SchoolIn, from_json, to_json
from .sync import ENTITIES, Counts, Options, Plan, _aware, build_plan

FORMAT_NAMES = {"edex": "EDEXML", "oneroster": "OneRoster", "guardians": "guardians CSV"}


class ImportRefused(Exception):
    """Raised inside the transaction so that nothing of a refused import is kept."""


@dataclass
class Upload:
    """The file(s) as read: bytes per file name for a OneRoster folder, else one file."""

    kind: str
    name: str
    data: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.data)
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name])
        return digest.hexdigest()

    @property
    def size(self) -> int:
        return len(self.data) + sum(len(d) for d in self.files.values())


def read_path(kind: str, path: str) -> Upload:
    """Read a file, or for OneRoster a folder of CSV files, from disk."""
    source = Path(path)
    if kind == "oneroster" and source.is_dir():
        files = {p.name: p.read_bytes() for p in sorted(source.iterdir()) if p.is_file()}
        return Upload(kind, source.name, files=files)
    return Upload(kind, source.name, data=source.read_bytes())


def parse(upload: Upload, *, today: date) -> Roster:
    if upload.kind == "edex":
        return parse_edex(upload.data, upload.name, today=today)
    if upload.kind == "guardians":
        return parse_guardians(upload.data, upload.name)
    files = upload.files
    if not files:
        roster = Roster(kind="oneroster", version="", source=upload.name)
        files = read_zip(upload.data, upload.name, roster)
        if roster.errors:
            return roster
    return parse_oneroster(files, upload.name, today=today)


# -- which school is which --------------------------------------------------------------


def find_school(identifier: str) -> School | None:
    """A school by id or by BRIN (with optional dependance: 12AB, 12AB01, 12AB-01)."""
    value = identifier.strip()
    if value.isdigit():
        return School.objects.filter(pk=int(value)).first()
    code = split_brin(value)
    if code is None:
        return None
    return School.objects.filter(brin=code[0], dependance=code[1]).first()


def resolve_targets(
    roster: Roster, school: School | None, options: Options
) -> list[tuple[SchoolIn, School | None]]:
    """Pair each school in the file with a school in Consentry (None: to be created)."""
    if not roster.schools:
        return []
    if roster.kind == "guardians":
        if school is None:
            roster.error(
                _("say which school the guardians belong to (--school)"), Loc(roster.source)
            )
            return []
        return [(roster.schools[0], school)]
    if school is not None:
        return _for_given_school(roster, school)
    targets = []
    for school_in in roster.schools:
        found = _existing_school(roster, school_in)
        if found is None and not options.create_school:
            roster.error(
                _(
                    "no school in Consentry matches the file's school: name it with "
                    "--school, or create it with --create-school"
                ),
                school_in.loc,
                school_in.brin or school_in.key,
            )
        targets.append((school_in, found))
    return targets


def _existing_school(roster: Roster, school_in: SchoolIn) -> School | None:
    if roster.kind == "oneroster":
        links = SourceLink.objects.filter(kind=SourceLink.Kind.ORG, key=school_in.key)
        linked = [link.school for link in links.select_related("school")]
        if len(linked) == 1:
            return linked[0]
    if school_in.brin:
        return School.objects.filter(brin=school_in.brin, dependance=school_in.dependance).first()
    return None


def _for_given_school(roster: Roster, school: School) -> list[tuple[SchoolIn, School | None]]:
    candidates = [
        si
        for si in roster.schools
        if SourceLink.objects.filter(kind="org", key=si.key, school=school).exists()
        or (si.brin and (si.brin, si.dependance) == (school.brin, school.dependance))
    ]
    if not candidates and len(roster.schools) == 1:
        candidates = roster.schools
    if len(candidates) != 1:
        roster.error(
            _("the file does not hold exactly one school matching %(school)s")
            % {"school": school.name},
            Loc(roster.source),
            school.brin,
        )
        return []
    school_in = candidates[0]
    if (
        school_in.brin
        and school.brin
        and ((school_in.brin, school_in.dependance) != (school.brin, school.dependance))
    ):
        roster.error(
            _("the file is for school %(file)s, not for %(school)s (%(brin)s)")
            % {
                "file": school_in.brin + school_in.dependance,
                "school": school.name,
                "brin": school.brin + school.dependance,
            },
            school_in.loc,
        )
        return []
    if len(roster.schools) > 1:
        roster.warn(
            _("%(count)d other schools in the file were left out")
            % {"count": len(roster.schools) - 1},
            Loc(roster.source),
        )
    return [(school_in, school)]


# -- running ------------------------------------------------------------------------------


@dataclass
class Outcome:
    roster: Roster
    plan: Plan | None
    summary: dict[str, Any]
    applied: bool


def run(
    roster: Roster,
    *,
    school: School | None,
    options: Options,
    dry_run: bool,
    actor=None,
    upload: Upload | None = None,
    via: str = "command line",
    pending: RosterImport | None = None,
) -> Outcome:
    """Plan, and unless dry_run or there are errors, apply in one transaction."""
    plan = None
    if dry_run:
        plan = _plan(roster, school, options)
        return Outcome(roster, plan, summarise(roster, plan, dry_run=True, applied=False), False)
    try:
        with transaction.atomic():
            plan = _plan(roster, school, options)
            if roster.errors or plan is None:
                raise ImportRefused
            apply_plan(plan)
            summary = summarise(roster, plan, dry_run=False, applied=True)
            _remember(plan, summary, actor=actor, upload=upload, via=via, pending=pending)
    except ImportRefused:
        return Outcome(roster, plan, summarise(roster, plan, dry_run=False, applied=False), False)
    return Outcome(roster, plan, summary, True)


def _plan(roster: Roster, school: School | None, options: Options) -> Plan | None:
    targets = resolve_targets(roster, school, options)
    if not targets:
        return None
    return build_plan(roster, targets, options)


def summarise(roster: Roster, plan: Plan | None, *, dry_run: bool, applied: bool) -> dict:
    totals = plan.totals() if plan is not None else {e: Counts() for e in ENTITIES}
    return {
        "format": FORMAT_NAMES[roster.kind],
        "version": roster.version,
        "source": roster.source,
        "dry_run": dry_run,
        "applied": applied,
        **{entity: asdict(totals[entity]) for entity in ENTITIES},
        "errors": [problem.as_dict() for problem in roster.errors],
        "warnings": [problem.as_dict() for problem in roster.warnings],
    }


def details(plan: Plan | None) -> dict[str, list[str]]:
    """Names per kind of change, for the leadership's preview."""
    merged: dict[str, list[str]] = {}
    for school_plan in plan.schools if plan is not None else []:
        for what, names in school_plan.details.items():
            merged.setdefault(what, []).extend(names)
    return merged


def _remember(
    plan: Plan,
    summary: dict,
    *,
    actor,
    upload: Upload | None,
    via: str,
    pending: RosterImport | None,
) -> None:
    """A history row and an audit entry per school, in the import's transaction."""
    now = timezone.now()
    kind = plan.roster.kind
    for school_plan in plan.schools:
        school_in = school_plan.school_in
        counts = {e: asdict(school_plan.counts[e]) for e in ENTITIES}
        history = (
            pending
            if pending is not None
            else RosterImport(
                school=school_plan.school,
                kind=kind,
                filename=plan.roster.source[:255],
                sha256=upload.sha256 if upload else "",
                size=upload.size if upload else 0,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
        )
        history.status = RosterImport.Status.APPLIED
        history.payload = None  # the parsed roster is in the database now; no second copy
        history.summary = {**summary, **counts}
        history.school_year = school_in.school_year
        history.file_created_at = _aware(school_in.created_at)
        history.applied_at = now
        history.save()
        record(
            "roster.imported",
            actor=actor,
            obj=history,
            school_id=school_plan.school.pk,
            data={
                "format": kind,
                "version": plan.roster.version,
                "file": history.filename,
                "sha256": history.sha256,
                "via": via,
                "counts": counts,
            },
        )


# -- the upload that waits for the leadership's confirmation ---------------------------


def payload_of(roster: Roster) -> tuple[dict, str]:
    payload = to_json(roster)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return payload, digest


def roster_of(pending: RosterImport) -> Roster:
    """The roster that was previewed, after checking it is exactly what was stored."""
    payload = pending.payload
    if payload is None or payload_of(from_json(Roster, payload))[1] != pending.payload_sha256:
        raise ValueError("the stored roster does not match its hash")
    return from_json(Roster, payload)


def options_of(pending: RosterImport) -> Options:
    return Options(
        today=timezone.localdate(),
        partial=pending.options.get("partial", False),
        confirm_leavers=pending.options.get("confirm_leavers", False),
    )
