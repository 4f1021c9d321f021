"""The consent engine: recording decisions and deriving what they mean now.

The rules, in the order they are applied (each has a test in tests/consent/):
1. A "never photograph" flag beats every consent.
2. From 16 the pupil decides, not the guardians; only the pupil's own answers count.
3. Below 16, only guardians with parental authority count. A refusal by any of them wins;
   when one says yes and another no, the state is `conflict`, which means no and is shown
   to the leadership. One guardian's yes with no refusal is consent.
4. Unanswered means no (active, opt-in consent).
5. Only answers given in the active leaflet's answer round count: a material change to the
   leaflet asks everyone again; the older answers stay in the history.
Withdrawal is always possible: nothing here looks at deadlines.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.leaflets.models import LeafletVersion
from consentry.schools import access
from consentry.schools.models import Guardianship, Pupil, School

from .models import ConsentEvent, NeverFlagEvent
from .signals import consent_narrowed


class ConsentError(ValueError):
    """A decision that cannot be recorded; the message is safe to show to the user."""


class NotAllowed(ConsentError):
    """The person may not make this decision at all (as opposed to a bad request)."""


class State(StrEnum):
    UNANSWERED = "unanswered"
    YES = "yes"
    NO = "no"
    CONFLICT = "conflict"
    NEVER = "never"


STATE_LABELS = {
    State.UNANSWERED: _("unanswered"),
    State.YES: _("yes"),
    State.NO: _("no"),
    State.CONFLICT: _("conflict"),
    State.NEVER: _("never photograph"),
}

REASONS = {
    "consent_given": _("A guardian with parental authority gave consent."),
    "pupil_consented": _("The pupil (16 or older) gave consent."),
    "no_answer": _("No answer yet: without an answer there is no consent."),
    "pupil_no_answer": _("The pupil is 16 or older and has not answered yet."),
    "refused": _("A guardian with parental authority refused."),
    "pupil_refused": _("The pupil (16 or older) refused."),
    "guardians_disagree": _("The guardians disagree: no, until they agree."),
    "never_photograph": _("The school has set a never-photograph flag."),
}


@dataclass(frozen=True)
class Verdict:
    pupil_id: int
    category_number: int
    state: State
    reason: str  # a key of REASONS

    @property
    def allowed(self) -> bool:
        return self.state is State.YES

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason])

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def _guardian_verdict(pupil_id: int, number: int, answers: Iterable[bool]) -> Verdict:
    answers = set(answers)
    if answers == {True, False}:
        return Verdict(pupil_id, number, State.CONFLICT, "guardians_disagree")
    if answers == {False}:
        return Verdict(pupil_id, number, State.NO, "refused")
    if answers == {True}:
        return Verdict(pupil_id, number, State.YES, "consent_given")
    return Verdict(pupil_id, number, State.UNANSWERED, "no_answer")


def _own_verdict(pupil_id: int, number: int, answer: bool | None) -> Verdict:
    if answer is None:
        return Verdict(pupil_id, number, State.UNANSWERED, "pupil_no_answer")
    if answer:
        return Verdict(pupil_id, number, State.YES, "pupil_consented")
    return Verdict(pupil_id, number, State.NO, "pupil_refused")


def consent_overview(
    pupils: QuerySet[Pupil],
    on: date | None = None,
    *,
    hide_never_flag_for: Collection[int] = (),
) -> dict[int, dict[int, Verdict]]:
    """Every pupil's state for every category of their school's active leaflet.

    The never-photograph flag is the school's business (it may stem from a custody dispute):
    a guardian's own view passes their children's ids in `hide_never_flag_for` and sees what
    the answers say. Everything that decides about images applies the flag.

    Six queries whatever the number of pupils: the pupils, the active leaflets, their
    categories, the guardians with authority, the consent events and the never flags.
    """
    today = on or timezone.localdate()
    rows = list(pupils.values("id", "school_id", "date_of_birth").order_by())
    if not rows:
        return {}
    pupil_ids = [row["id"] for row in rows]
    active = {
        version.school_id: version
        for version in LeafletVersion.objects.active()
        .filter(school_id__in={row["school_id"] for row in rows})
        .prefetch_related("categories")
    }

    authority: dict[int, set[int]] = defaultdict(set)
    for pupil_id, guardian_id in Guardianship.objects.filter(
        pupil_id__in=pupil_ids, has_parental_authority=True
    ).values_list("pupil_id", "guardian_id"):
        authority[pupil_id].add(guardian_id)

    # Latest answer per (pupil, category, decider); None as decider is the pupil themself.
    latest: dict[tuple[int, int], dict[int | None, bool]] = defaultdict(dict)
    events = (
        ConsentEvent.objects.filter(pupil_id__in=pupil_ids)
        .order_by("recorded_at", "id")
        .values_list(
            "pupil_id",
            "category_number",
            "guardian_id",
            "given",
            "leaflet_version__school_id",
            "leaflet_version__answer_round",
        )
    )
    for pupil_id, number, guardian_id, given, school_id, answer_round in events:
        version = active.get(school_id)
        if version is not None and answer_round == version.answer_round:
            latest[(pupil_id, number)][guardian_id] = given

    never: dict[int, bool] = {}
    for pupil_id, flag in (
        NeverFlagEvent.objects.filter(pupil_id__in=pupil_ids)
        .order_by("recorded_at", "id")
        .values_list("pupil_id", "active")
    ):
        never[pupil_id] = flag

    overview: dict[int, dict[int, Verdict]] = {}
    for row in rows:
        pupil_id = row["id"]
        version = active.get(row["school_id"])
        numbers = [c.number for c in version.categories.all()] if version else []
        decides_self = Pupil(date_of_birth=row["date_of_birth"]).decides_for_self(today)
        verdicts = {}
        for number in numbers:
            answers = latest.get((pupil_id, number), {})
            if never.get(pupil_id) and pupil_id not in hide_never_flag_for:
                verdict = Verdict(pupil_id, number, State.NEVER, "never_photograph")
            elif decides_self:
                verdict = _own_verdict(pupil_id, number, answers.get(None))
            else:
                counted = [given for who, given in answers.items() if who in authority[pupil_id]]
                verdict = _guardian_verdict(pupil_id, number, counted)
            verdicts[number] = verdict
        overview[pupil_id] = verdicts
    return overview


def check(pupils: QuerySet[Pupil], school: School, category_number: int) -> list[Verdict]:
    """May these pupils appear in this category? Per pupil: allowed or not, and why.

    This is what the photo gate asks. Pupils must belong to `school`; the category must be
    in the school's active leaflet. A fixed number of queries, however many pupils.
    """
    version = active_version(school)
    if not version.categories.filter(number=category_number).exists():
        raise ConsentError(
            _("Category %(number)s is not in the leaflet %(label)s.")
            % {"number": category_number, "label": version.label}
        )
    if pupils.exclude(school=school).exists():
        raise ConsentError(_("Some of these pupils are not pupils of this school."))
    overview = consent_overview(pupils)
    return [verdicts[category_number] for verdicts in overview.values()]


def active_version(school: School) -> LeafletVersion:
    version = LeafletVersion.objects.active().filter(school=school).first()
    if version is None:
        raise ConsentError(_("This school has no active leaflet yet."))
    return version


def is_never_flagged(pupil: Pupil) -> bool:
    latest = pupil.never_flag_events.order_by("-recorded_at", "-id").first()
    return bool(latest and latest.active)


def _validate_numbers(version: LeafletVersion, decisions: Mapping[int, bool]) -> None:
    known = set(version.categories.values_list("number", flat=True))
    unknown = sorted(set(decisions) - known)
    if unknown:
        raise ConsentError(
            _("Unknown category %(numbers)s in the leaflet %(label)s.")
            % {"numbers": ", ".join(map(str, unknown)), "label": version.label}
        )
    if not decisions:
        raise ConsentError(_("No decision was given."))


def _own_latest(pupil: Pupil, version: LeafletVersion, guardian: User | None) -> dict[int, bool]:
    """The decider's own latest answers in the active answer round."""
    answers: dict[int, bool] = {}
    for number, given in (
        ConsentEvent.objects.filter(
            pupil=pupil,
            guardian=guardian,
            leaflet_version__school=pupil.school,
            leaflet_version__answer_round=version.answer_round,
        )
        .order_by("recorded_at", "id")
        .values_list("category_number", "given")
    ):
        answers[number] = given
    return answers


def own_answers(pupil: Pupil, user: User) -> dict[int, bool]:
    """What this user last answered for the pupil in the active round (to prefill a form)."""
    version = LeafletVersion.objects.active().filter(school_id=pupil.school_id).first()
    if version is None:
        return {}
    decider = None if pupil.account_id == user.pk else user
    return _own_latest(pupil, version, decider)


@transaction.atomic
def _record(
    *,
    pupil: Pupil,
    decisions: Mapping[int, bool],
    actor: User,
    actor_role: str,
    guardian: User | None,
    channel: str,
    note: str = "",
) -> list[ConsentEvent]:
    version = active_version(pupil.school)
    _validate_numbers(version, decisions)
    previous = _own_latest(pupil, version, guardian)
    now = timezone.now()
    created = []
    for number, given in sorted(decisions.items()):
        if previous.get(number) == given:
            continue  # the same answer again changes nothing and proves nothing new
        event = ConsentEvent.objects.create(
            pupil=pupil,
            category_number=number,
            leaflet_version=version,
            given=given,
            actor=actor,
            actor_role=actor_role,
            guardian=guardian,
            channel=channel,
            note=note,
            recorded_at=now,
        )
        audit(
            "consent.recorded",
            actor=actor,
            obj=event,
            school_id=pupil.school_id,
            data={
                "pupil_id": pupil.pk,
                "category": number,
                "given": given,
                "leaflet_version_id": version.pk,
                "guardian_id": guardian.pk if guardian else None,
                "channel": channel,
                "actor_role": actor_role,
            },
        )
        created.append(event)
    if created:  # every guardian hears of a change, in this same transaction
        from consentry.mail.receipts import queue_receipts  # mail builds on consent

        queue_receipts(created, previous)
    if any(not event.given for event in created):
        consent_narrowed.send(sender=ConsentEvent, pupil_id=pupil.pk)
    return created


def decide(
    actor: User, pupil: Pupil, decisions: Mapping[int, bool], channel: str = "web"
) -> list[ConsentEvent]:
    """A guardian with parental authority, or the pupil from 16, gives or refuses consent.

    Returns the events that changed something (an unchanged answer records nothing).
    """
    if channel not in (ConsentEvent.Channel.WEB, ConsentEvent.Channel.API):
        raise ConsentError(_("Unknown channel."))
    today = timezone.localdate()
    if pupil.account_id is not None and pupil.account_id == actor.pk:
        if not pupil.decides_for_self(today):
            raise ConsentError(_("Your guardians decide until you are 16."))
        return _record(
            pupil=pupil,
            decisions=decisions,
            actor=actor,
            actor_role=ConsentEvent.ActorRole.PUPIL,
            guardian=None,
            channel=channel,
        )
    if not access.is_guardian_with_authority(actor, pupil):
        raise NotAllowed(_("Only a guardian with parental authority can decide for this pupil."))
    if pupil.decides_for_self(today):
        raise ConsentError(_("This pupil is 16 or older and decides for themself."))
    return _record(
        pupil=pupil,
        decisions=decisions,
        actor=actor,
        actor_role=ConsentEvent.ActorRole.GUARDIAN,
        guardian=actor,
        channel=channel,
    )


def record_paper_form(
    staff: User,
    pupil: Pupil,
    decisions: Mapping[int, bool],
    *,
    signed_by: User | None,
    note: str,
) -> list[ConsentEvent]:
    """The leadership records a signed paper form on behalf of a guardian (or of the pupil
    from 16, `signed_by=None`), with a note on how the form was obtained."""
    if not access.leads_school(staff, pupil.school):
        raise NotAllowed(_("Only the school leadership can record a paper form."))
    if not note.strip():
        raise ConsentError(_("Say how the consent was obtained (for example: signed form)."))
    decides_self = pupil.decides_for_self(timezone.localdate())
    if signed_by is None:
        if not decides_self:
            raise ConsentError(_("Below 16, a guardian with parental authority must sign."))
    elif decides_self:
        raise ConsentError(_("This pupil is 16 or older: the pupil signs, not a guardian."))
    elif not access.is_guardian_with_authority(signed_by, pupil):
        raise ConsentError(_("The signer is not a guardian with parental authority of this pupil."))
    return _record(
        pupil=pupil,
        decisions=decisions,
        actor=staff,
        actor_role=ConsentEvent.ActorRole.STAFF,
        guardian=signed_by,
        channel=ConsentEvent.Channel.PAPER,
        note=note.strip(),
    )


@transaction.atomic
def set_never_flag(staff: User, pupil: Pupil, *, active: bool, reason: str) -> NeverFlagEvent:
    """Set or lift the never-photograph flag. Only the leadership, always with a reason."""
    if not access.leads_school(staff, pupil.school):
        raise NotAllowed(_("Only the school leadership can set or lift this flag."))
    if not reason.strip():
        raise ConsentError(_("Give a reason."))
    if is_never_flagged(pupil) == active:
        raise ConsentError(_("The flag is already set.") if active else _("The flag is not set."))
    event = NeverFlagEvent.objects.create(
        pupil=pupil, active=active, reason=reason.strip(), actor=staff
    )
    # The reason stays out of the audit log: it is for the leadership's eyes only.
    audit(
        "never_flag.set" if active else "never_flag.lifted",
        actor=staff,
        obj=event,
        school_id=pupil.school_id,
        data={"pupil_id": pupil.pk},
    )
    if active:
        consent_narrowed.send(sender=NeverFlagEvent, pupil_id=pupil.pk)
    return event
