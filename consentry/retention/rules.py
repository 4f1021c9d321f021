"""The retention rules for the data Consentry holds today (more plug in via `registry`).

- `pupil.left`: the records of pupils who left are kept CONSENTRY_RETENTION_LEFT_PUPIL_YEARS
  years after the leaving date (2; a school may set its own), then erased as `erasure` says.
  Two years is the usual period for a primary school's records after a pupil leaves, long
  enough to answer questions about what was consented to in their last school year.
- `mail.sent`: outgoing mail (the log row with the address, subject and text, which name the
  pupil and the answers) is deleted CONSENTRY_RETENTION_MAIL_DAYS days after it was queued
  (365). A year covers questions about a receipt; the proof of the decisions themselves is in
  the consent history and the audit trail.
- `roster.upload`: a roster upload keeps the parsed roster until it is confirmed or dropped,
  and its report names pupils and quotes values from the file. CONSENTRY_RETENTION_ROSTER_
  UPLOAD_DAYS days after the upload (30) both are removed; the counts, the file's hash and
  dates stay as the import history that stops an older file from overwriting newer data.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.mail.models import OutgoingMail
from consentry.roster.models import RosterImport
from consentry.schools.models import Pupil

from . import erasure
from .models import RetentionPolicy
from .registry import Item, Rule, in_pages, register_rule

CHUNK = 500  # ids per query: SQLite limits the parameters of one statement


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _chunks(items: list[Item]):
    for start in range(0, len(items), CHUNK):
        yield [item.pk for item in items[start : start + CHUNK]]


# Records of pupils who left


def left_pupil_years(school_id: int) -> int:
    """The school's own period if it set one, else the installation's default."""
    own = (
        RetentionPolicy.objects.filter(school_id=school_id)
        .values_list("left_pupil_years", flat=True)
        .first()
    )
    return settings.RETENTION_LEFT_PUPIL_YEARS if own is None else own


def destroyed_after(left_on: date, years: int) -> date:
    """The last day a left pupil's record is kept; the job erases it the day after."""
    return years_before(left_on, -years)


@dataclass(frozen=True)
class LeftPupilTerm:
    """Where a left pupil's record stands: `until` is the last day of its retention period;
    once that day has passed (`over`) the next nightly run erases it, unless `held`."""

    until: date
    over: bool
    held: tuple[str, ...] = ()


def left_pupil_terms(
    pupils: Sequence[Pupil], today: date | None = None
) -> dict[int, LeftPupilTerm]:
    """The term of each pupil who left (pupils without a leaving date are left out).

    Why not just the last day: a day in the past shown as "kept until" reads as a promise the
    school broke. Past it, the pages say what happens instead: erased in the next nightly
    run, or kept for as long as something holds it (the reasons erasure gives, read for all
    the pupils at once)."""
    today = today or timezone.localdate()
    years: dict[int, int] = {}
    until: dict[int, date] = {}
    for pupil in pupils:
        if pupil.left_on is not None:
            if pupil.school_id not in years:
                years[pupil.school_id] = left_pupil_years(pupil.school_id)
            until[pupil.pk] = destroyed_after(pupil.left_on, years[pupil.school_id])
    over = [pupil for pupil in pupils if pupil.pk in until and until[pupil.pk] < today]
    held = erasure.refusals_for(over, today) if over else {}
    return {
        pk: LeftPupilTerm(day, day < today, tuple(held.get(pk, ()))) for pk, day in until.items()
    }


def _left_long_enough(today: date) -> Q:
    """Left on a day before today's date `years` years ago, per school's period."""
    default = settings.RETENTION_LEFT_PUPIL_YEARS
    overrides: dict[int, int] = {
        school_id: years
        for school_id, years in RetentionPolicy.objects.values_list("school_id", "left_pupil_years")
        if years is not None
    }
    condition = Q(left_on__lt=years_before(today, default)) & ~Q(school_id__in=overrides)
    for school_id, years in overrides.items():
        condition |= Q(school_id=school_id, left_on__lt=years_before(today, years))
    return condition


def expired_left_pupils(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    today = timezone.localdate(now)
    pupils = Pupil.objects.filter(left_on__isnull=False).filter(_left_long_enough(today))
    if school_id is not None:
        pupils = pupils.filter(school_id=school_id)

    def items(rows: list[tuple]) -> list[Item]:
        page = [Pupil(pk=pk, school_id=school, left_on=left_on) for pk, school, left_on in rows]
        refused = erasure.refusals_for(page, today)
        return [
            Item(
                p.pk,
                p.school_id,
                _("left on %(day)s") % {"day": f"{p.left_on:%Y-%m-%d}"},
                " ".join(refused[p.pk]),
            )
            for p in page
        ]

    return in_pages(pupils, ("school_id", "left_on"), items)


def destroy_left_pupils(items: list[Item]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for pupil in Pupil.objects.filter(pk__in=[item.pk for item in items]):
        counts += erasure.erase_rows(pupil)
    return counts


# Outgoing mail


def expired_mail(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    cutoff = now - timedelta(days=settings.RETENTION_MAIL_DAYS)
    rows = OutgoingMail.objects.filter(created_at__lt=cutoff)
    if school_id is not None:
        rows = rows.filter(school_id=school_id)
    return in_pages(
        rows,
        ("school_id", "kind", "created_at"),
        lambda page: [
            Item(
                pk,
                school,
                _("%(kind)s, queued on %(day)s") % {"kind": kind, "day": f"{created:%Y-%m-%d}"},
            )
            for pk, school, kind, created in page
        ],
    )


def destroy_mail(items: list[Item]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for pks in _chunks(items):
        counts += erasure.counted(OutgoingMail.objects.filter(pk__in=pks).delete())
    return counts


# Roster uploads

_REPORT_KEYS = ("details", "errors", "warnings")  # names of pupils, values from the file


def expired_uploads(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    cutoff = now - timedelta(days=settings.RETENTION_ROSTER_UPLOAD_DAYS)
    holds_data = Q(payload__isnull=False)
    for key in _REPORT_KEYS:
        holds_data |= Q(summary__has_key=key)
    rows = RosterImport.objects.filter(holds_data, created_at__lt=cutoff)
    if school_id is not None:
        rows = rows.filter(school_id=school_id)
    return in_pages(
        rows,
        ("school_id", "status", "created_at"),
        lambda page: [
            Item(
                pk,
                school,
                _("%(status)s, uploaded on %(day)s")
                % {"status": status, "day": f"{created:%Y-%m-%d}"},
            )
            for pk, school, status, created in page
        ],
    )


def destroy_uploads(items: list[Item]) -> Counter[str]:
    uploads = list(RosterImport.objects.filter(pk__in=[item.pk for item in items]))
    for upload in uploads:
        upload.payload = None
        upload.summary = {k: v for k, v in upload.summary.items() if k not in _REPORT_KEYS}
        if upload.status == RosterImport.Status.PENDING:
            upload.status = RosterImport.Status.DISCARDED
    RosterImport.objects.bulk_update(uploads, ["payload", "summary", "status"], batch_size=CHUNK)
    return Counter({"roster.rosterimport": len(uploads)})


register_rule(
    Rule(
        name="pupil.left",
        what="schools.pupil",
        description=lambda: (
            _(
                "Records of pupils who left: erased %(years)s years after the leaving date "
                "(a school may set its own period)."
            )
            % {"years": settings.RETENTION_LEFT_PUPIL_YEARS}
        ),
        expired=expired_left_pupils,
        destroy=destroy_left_pupils,
        school_filter=True,
    )
)
register_rule(
    Rule(
        name="mail.sent",
        what="mail.outgoingmail",
        description=lambda: (
            _("Outgoing mail: deleted %(days)s days after it was queued.")
            % {"days": settings.RETENTION_MAIL_DAYS}
        ),
        expired=expired_mail,
        destroy=destroy_mail,
        school_filter=True,
    )
)
register_rule(
    Rule(
        name="roster.upload",
        what="roster.rosterimport",
        description=lambda: (
            _(
                "Roster uploads: the parsed roster and the names and values in the import report "
                "are removed %(days)s days after the upload; the counts stay."
            )
            % {"days": settings.RETENTION_ROSTER_UPLOAD_DAYS}
        ),
        expired=expired_uploads,
        destroy=destroy_uploads,
        school_filter=True,
    )
)
