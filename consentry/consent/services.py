"""The consent engine: recording decisions and deriving what they mean now.

What an answer means is `rules.combine` (shared with separate requests; each rule has a
test in tests/consent/). What this module adds: only answers given in the active leaflet's
answer round count, so a material change to the leaflet asks everyone again; the older
answers stay in the history.
Withdrawal is always possible: nothing here looks at deadlines.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.leaflets.models import Category, LeafletVersion
from consentry.schools import access
from consentry.schools.models import Guardianship, Pupil, School, decides_for_self

from . import rules
from .models import ConsentEvent, NeverFlagEvent
from .rules import REASONS, STATE_LABELS, State
from .signals import consent_narrowed, consent_recorded


class ConsentError(ValueError):
    """A decision that cannot be recorded; the message is safe to show to the user."""


class NotAllowed(ConsentError):
    """The person may not make this decision at all (as opposed to a bad request)."""


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


@dataclass(frozen=True)
class PupilRow:
    id: int
    school_id: int
    date_of_birth: date


@dataclass
class ConsentFacts:
    """Everything the rules read about some pupils, loaded together: the pupils, their
    schools' leaflet versions (the active ones with their categories), the guardians with
    parental authority, every consent event and the never flags.

    Why one load: a page asks several questions about the same pupils (their state, the
    answers owed after a new leaflet, the person's own answers); each would otherwise read
    the same rows again. Four queries however many pupils, each by index on the pupils or
    their schools: the pupils with their latest never flag (or, for pupils already loaded,
    the flags), the leaflet versions with their categories, the guardians with authority,
    the consent events.
    """

    pupils: list[PupilRow]
    active: dict[int, LeafletVersion]  # school id -> its active version (without its texts)
    categories: dict[int, list[Category]]  # school id -> the active version's categories
    rounds: dict[int, tuple[int, int]]  # version id -> (school id, answer round)
    authority: dict[int, set[int]]  # pupil id -> guardians with parental authority
    # (pupil id, category, decider, given, version id), oldest first; decider None: the pupil
    events: list[tuple[int, int, int | None, bool, int]]
    never: dict[int, bool]  # pupil id -> the latest flag event's state

    def counts_now(self, school_id: int, version_id: int) -> bool:
        """An answer counts only in the active leaflet's answer round of the pupil's school."""
        version = self.active.get(school_id)
        return version is not None and self.rounds.get(version_id) == (
            school_id,
            version.answer_round,
        )

    def numbers(self, school_id: int) -> list[int]:
        return [c.number for c in self.categories.get(school_id, [])]


def deciders_of(pupil_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per pupil, the guardians who decide: those with parental authority. A guardian whose
    authority is unknown (a roster file that does not say) does not decide until the
    school confirms it."""
    authority: dict[int, set[int]] = defaultdict(set)
    pupil_ids = list(pupil_ids)
    if pupil_ids:
        for pupil_id, guardian_id in Guardianship.objects.filter(
            pupil_id__in=pupil_ids, has_parental_authority=True
        ).values_list("pupil_id", "guardian_id"):
            authority[pupil_id].add(guardian_id)
    return authority


def never_flagged(pupil_ids: Iterable[int]) -> set[int]:
    """Ids of the pupils whose latest never-photograph flag event sets the flag."""
    flags: dict[int, bool] = {}
    pupil_ids = list(pupil_ids)
    if pupil_ids:
        for pupil_id, active in (
            NeverFlagEvent.objects.filter(pupil_id__in=pupil_ids)
            .order_by("recorded_at", "id")
            .values_list("pupil_id", "active")
        ):
            flags[pupil_id] = active
    return {pupil_id for pupil_id, active in flags.items() if active}


def load_facts(
    pupils: QuerySet[Pupil] | Iterable[Pupil], *, schools: Collection[int] = ()
) -> ConsentFacts:
    """The facts about these pupils (a queryset, or pupils already loaded); `schools` adds
    the leaflets of other schools (a check about a school without these pupils)."""
    never: dict[int, bool] = {}
    if isinstance(pupils, QuerySet):
        latest_flag = NeverFlagEvent.objects.filter(pupil=OuterRef("pk")).order_by(
            "-recorded_at", "-id"
        )
        rows = []
        for pupil_id, school_id, born, flag in pupils.annotate(
            never=Subquery(latest_flag.values("active")[:1])
        ).values_list("id", "school_id", "date_of_birth", "never"):
            rows.append(PupilRow(pupil_id, school_id, born))
            if flag is not None:
                never[pupil_id] = flag
    else:
        rows = [PupilRow(p.pk, p.school_id, p.date_of_birth) for p in pupils]
        never = dict.fromkeys(never_flagged(row.id for row in rows), True)
    pupil_ids = [row.id for row in rows]
    school_ids = {row.school_id for row in rows} | set(schools)
    # Every version's categories with their version: the active ones' texts, and the answer
    # round of each version an event may refer to (a version always has categories: it
    # cannot be published without).
    rounds: dict[int, tuple[int, int]] = {}
    active: dict[int, LeafletVersion] = {}
    categories: dict[int, list[Category]] = defaultdict(list)
    for category in (
        Category.objects.filter(version__school_id__in=school_ids)
        .select_related("version")
        .defer(*(f"version__{name}" for name in LeafletVersion.text_fields()))
        .order_by("version_id", "number")
    ):
        version = category.version
        rounds[version.pk] = (version.school_id, version.answer_round)
        if version.status == LeafletVersion.Status.ACTIVE:
            version = active.setdefault(version.school_id, version)
            category.version = version
            categories[version.school_id].append(category)
    authority = deciders_of(pupil_ids)
    events: list[tuple[int, int, int | None, bool, int]] = []
    if pupil_ids:
        events = list(
            ConsentEvent.objects.filter(pupil_id__in=pupil_ids)
            .order_by("recorded_at", "id")
            .values_list(
                "pupil_id", "category_number", "guardian_id", "given", "leaflet_version_id"
            )
        )
    return ConsentFacts(
        pupils=rows,
        active=active,
        categories=categories,
        rounds=rounds,
        authority=authority,
        events=events,
        never=never,
    )


def consent_overview(
    pupils: QuerySet[Pupil] | Iterable[Pupil],
    on: date | None = None,
    *,
    hide_never_flag_for: Collection[int] = (),
    facts: ConsentFacts | None = None,
    numbers: Collection[int] | None = None,
) -> dict[int, dict[int, Verdict]]:
    """Every pupil's state for every category of their school's active leaflet.

    The never-photograph flag is the school's business (it may stem from a custody dispute):
    a guardian's own view passes their children's ids in `hide_never_flag_for` and sees what
    the answers say. Everything that decides about images applies the flag.

    The facts are loaded (`load_facts`, four queries whatever the number of pupils) unless
    the caller already has them; `numbers` limits the categories (a check asks about one).
    """
    today = on or timezone.localdate()
    facts = facts or load_facts(pupils)
    school_of = {row.id: row.school_id for row in facts.pupils}

    # Latest answer per (pupil, category, decider); None as decider is the pupil themself.
    latest: dict[tuple[int, int], dict[int | None, bool]] = defaultdict(dict)
    for pupil_id, number, guardian_id, given, version_id in facts.events:
        if facts.counts_now(school_of[pupil_id], version_id):
            latest[(pupil_id, number)][guardian_id] = given

    overview: dict[int, dict[int, Verdict]] = {}
    for row in facts.pupils:
        pupil_id = row.id
        decides_self = decides_for_self(row.date_of_birth, today)
        flagged = facts.never.get(pupil_id) and pupil_id not in hide_never_flag_for
        verdicts = {}
        for number in facts.numbers(row.school_id):
            if numbers is not None and number not in numbers:
                continue
            state, reason = rules.combine(
                latest.get((pupil_id, number), {}),
                deciders=facts.authority[pupil_id],
                decides_self=decides_self,
                never=bool(flagged),
            )
            verdicts[number] = Verdict(pupil_id, number, state, reason)
        overview[pupil_id] = verdicts
    return overview


def check(pupils: QuerySet[Pupil], school: School, category_number: int) -> list[Verdict]:
    """May these pupils appear in this category? Per pupil: allowed or not, and why.

    This is what the photo gate asks. Pupils must belong to `school`; the category must be
    in the school's active leaflet. A fixed number of queries, however many pupils.
    """
    facts = load_facts(pupils, schools={school.pk})
    version = facts.active.get(school.pk)
    if version is None:
        raise ConsentError(_("This school has no active leaflet yet."))
    if category_number not in facts.numbers(school.pk):
        raise ConsentError(
            _("Category %(number)s is not in the leaflet %(label)s.")
            % {"number": category_number, "label": version.label}
        )
    if any(row.school_id != school.pk for row in facts.pupils):
        raise ConsentError(_("Some of these pupils are not pupils of this school."))
    overview = consent_overview(pupils, facts=facts, numbers={category_number})
    return [overview[row.id][category_number] for row in facts.pupils]


def active_version(school: School) -> LeafletVersion:
    """The school's active leaflet (without its long texts), with its categories loaded."""
    version = (
        LeafletVersion.objects.active()
        .without_texts()
        .filter(school=school)
        .prefetch_related("categories")
        .first()
    )
    if version is None:
        raise ConsentError(_("This school has no active leaflet yet."))
    return version


def is_never_flagged(pupil: Pupil) -> bool:
    latest = pupil.never_flag_events.order_by("-recorded_at", "-id").first()
    return bool(latest and latest.active)


def _validate_numbers(version: LeafletVersion, decisions: Mapping[int, bool]) -> None:
    known = {category.number for category in version.categories.all()}
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


def own_answers(pupil: Pupil, user: User, facts: ConsentFacts | None = None) -> dict[int, bool]:
    """What this user last answered for the pupil in the active round (to prefill a form)."""
    return _last_answers(pupil, user, facts or load_facts([pupil]), counting=True)


def earlier_answers(pupil: Pupil, user: User, facts: ConsentFacts | None = None) -> dict[int, bool]:
    """What this user last answered in an earlier answer round, for the categories they have
    not answered in the active one: after a material leaflet change a guardian sees their
    old answer beside the question (it no longer counts, so it is not prefilled)."""
    facts = facts or load_facts([pupil])
    current = _last_answers(pupil, user, facts, counting=True)
    earlier = _last_answers(pupil, user, facts, counting=False)
    return {number: given for number, given in earlier.items() if number not in current}


def _last_answers(
    pupil: Pupil, user: User, facts: ConsentFacts, *, counting: bool
) -> dict[int, bool]:
    """This user's last answer per category, from the rounds that count now or the others."""
    decider = None if pupil.account_id == user.pk else user.pk
    answers: dict[int, bool] = {}
    for pupil_id, number, guardian_id, given, version_id in facts.events:
        if (
            pupil_id == pupil.pk
            and guardian_id == decider
            and facts.counts_now(pupil.school_id, version_id) == counting
        ):
            answers[number] = given
    return answers


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
    if created:  # receipts and notices are queued in this same transaction
        consent_recorded.send(sender=ConsentEvent, events=created, previous=previous)
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
