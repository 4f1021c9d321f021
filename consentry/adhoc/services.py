"""The rules of separate consent requests: who asks, who answers, and what the answers mean.

What the answers mean is the consent engine's own rule (`consent.rules.combine`), so a
request and a leaflet category never disagree about the same family. What requests add:
once the deadline has passed (or staff closed the request) nothing can be answered any more,
so an unanswered pupil is then a final no; and a yes can always be withdrawn, also after the
deadline (GDPR art. 7(3)), a new yes cannot.

The photo gate asks `request_allows(request, pupil)` (one pupil) or `coverage(request)`
(all of them at once): an approved request is an audience of exactly the pupils whose
guardians (or who themselves, from 16) said yes, minus any pupil with a never-photograph flag.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.consent import rules
from consentry.consent.rules import REASONS, STATE_LABELS, State
from consentry.consent.services import deciders_of, never_flagged
from consentry.consent.signals import consent_narrowed
from consentry.schools import access
from consentry.schools.models import Group, Pupil, School, StaffRole, decides_for_self

from .models import ConsentRequest, RequestAnswer
from .preview import encode_preview
from .signals import request_opened

Status = ConsentRequest.Status


class RequestError(ValueError):
    """Something the request cannot do now; the message is safe to show to the user."""


class NotAllowed(RequestError):
    """The person may not do this at all (a 403, as opposed to a bad request)."""


@dataclass(frozen=True)
class Outcome:
    """What the answers to a request mean now for one pupil (the never flag aside)."""

    pupil_id: int
    state: State
    reason: str  # a key of REASONS

    @property
    def allowed(self) -> bool:
        return self.state is State.YES

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason])


@dataclass(frozen=True)
class Coverage:
    """Who a request covers, as pupil ids: the summary the photo gate and the pages use."""

    approved: frozenset[int]  # said yes, and no never-photograph flag: the audience
    refused: frozenset[int]  # said no, disagree, or no answer by the deadline
    waiting: frozenset[int]  # no answer yet, the deadline still ahead (no, until they answer)
    never: frozenset[int]  # a never-photograph flag: never covered, whatever the answers

    def allows(self, pupil_id: int) -> bool:
        return pupil_id in self.approved


# Who may ask


def askable_groups(user: User, school: School) -> QuerySet[Group]:
    """The leadership asks about any group of its school; a teacher about their own groups."""
    if access.leads_school(user, school):
        return school.groups.all()
    return school.groups.filter(
        teacher_roles__user=user, teacher_roles__role=StaffRole.Role.TEACHER
    ).distinct()


def askable_pupils(user: User, school: School) -> QuerySet[Pupil]:
    """The current pupils this staff member may ask about (see `askable_groups`)."""
    pupils = Pupil.objects.current().filter(school=school)
    if access.leads_school(user, school):
        return pupils
    return pupils.members_of(*askable_groups(user, school))


def may_ask(user: User, school: School) -> bool:
    return askable_groups(user, school).exists()


def may_change(user: User, consent_request: ConsentRequest) -> bool:
    """Who wrote the request, or the school's leadership, may edit, send or close it."""
    return consent_request.created_by_id == user.pk or access.leads_school(
        user, consent_request.school
    )


# Writing, sending and closing a request


def _check_deadline(deadline: date, now: datetime) -> None:
    if deadline < timezone.localdate(now):
        raise RequestError(_("The deadline is in the past. Choose today or a later day."))


@transaction.atomic
def save_draft(
    consent_request: ConsentRequest,
    *,
    actor: User,
    pupils: Iterable[Pupil],
    preview_jpeg: bytes | None = None,
    remove_preview: bool = False,
    now: datetime | None = None,
) -> ConsentRequest:
    """Create or change a draft. Only a draft changes: once sent, guardians answer what
    they were asked, so the question itself must stay as it was."""
    now = now or timezone.now()
    adding = consent_request._state.adding
    if adding:
        consent_request.created_by = actor
    elif consent_request.status != Status.DRAFT or not may_change(actor, consent_request):
        raise NotAllowed(_("Only a draft can be changed, by its writer or the leadership."))
    pupils = list(pupils)
    allowed = set(askable_pupils(actor, consent_request.school).values_list("pk", flat=True))
    if not pupils:
        raise RequestError(_("Choose the pupils this request is about."))
    if not {p.pk for p in pupils} <= allowed:
        raise NotAllowed(_("You can only ask about pupils of your own groups."))
    _check_deadline(consent_request.deadline, now)
    old_preview = consent_request.preview.name if (preview_jpeg or remove_preview) else ""
    if remove_preview:
        consent_request.preview = None  # type: ignore[assignment]
    if preview_jpeg:
        consent_request.preview.save("preview.jpg", ContentFile(preview_jpeg), save=False)
    consent_request.save()
    consent_request.pupils.set(pupils)
    if old_preview:
        storage = consent_request.preview.storage
        transaction.on_commit(lambda: storage.delete(old_preview))
    audit(
        "adhoc.request.created" if adding else "adhoc.request.changed",
        actor=actor,
        obj=consent_request,
        school_id=consent_request.school_id,
        data={
            "pupil_ids": sorted(p.pk for p in pupils),
            "deadline": consent_request.deadline.isoformat(),
            "preview": bool(consent_request.preview),
        },
    )
    return consent_request


@transaction.atomic
def open_request(
    consent_request: ConsentRequest,
    *,
    actor: User,
    now: datetime | None = None,
    notify: bool = True,
) -> ConsentRequest:
    """Send the request: guardians see it on their page and get an email (`notices`, through
    `signals.request_opened`).

    The change from draft to open is one conditional UPDATE, so sending twice (a double
    click, two tabs) mails nobody twice.
    """
    now = now or timezone.now()
    if not may_change(actor, consent_request):
        raise NotAllowed(_("Only the writer of this request or the leadership can send it."))
    _check_deadline(consent_request.deadline, now)
    sent = ConsentRequest.objects.filter(pk=consent_request.pk, status=Status.DRAFT).update(
        status=Status.OPEN, opened_at=now
    )
    if not sent:
        raise RequestError(_("This request has already been sent."))
    consent_request.refresh_from_db()
    audit(
        "adhoc.request.opened",
        actor=actor,
        obj=consent_request,
        school_id=consent_request.school_id,
        data={"deadline": consent_request.deadline.isoformat()},
    )
    if notify:  # the mail to the guardians and the reminder (`notices`, `tasks`)
        request_opened.send(sender=ConsentRequest, consent_request=consent_request, now=now)
    return consent_request


@transaction.atomic
def close_request(
    consent_request: ConsentRequest, *, actor: User, now: datetime | None = None
) -> ConsentRequest:
    """Stop accepting answers before the deadline. The answers given stay as they are."""
    now = now or timezone.now()
    if not may_change(actor, consent_request):
        raise NotAllowed(_("Only the writer of this request or the leadership can close it."))
    closed = ConsentRequest.objects.filter(pk=consent_request.pk, status=Status.OPEN).update(
        status=Status.CLOSED, closed_at=now, closed_by=actor
    )
    if not closed:
        raise RequestError(_("Only an open request can be closed."))
    consent_request.refresh_from_db()
    audit(
        "adhoc.request.closed",
        actor=actor,
        obj=consent_request,
        school_id=consent_request.school_id,
    )
    return consent_request


def create_request(
    *,
    school: School,
    actor: User,
    purpose: str,
    description: str,
    pupils: Iterable[Pupil],
    deadline: date,
    preview: bytes | None = None,
    send: bool = False,
    now: datetime | None = None,
) -> ConsentRequest:
    """Ask separately from code (for example a research project about one pupil).

    `actor` must be the school's leadership or the pupils' teacher. `preview` is the raw
    image file (checked and re-encoded; `preview.PreviewRejected` if it is not an image).
    With `send=True` the request is sent at once (see `open_request`).
    """
    consent_request = ConsentRequest(
        school=school, purpose=purpose.strip(), description=description.strip(), deadline=deadline
    )
    jpeg = encode_preview(preview) if preview else None
    with transaction.atomic():
        save_draft(consent_request, actor=actor, pupils=pupils, preview_jpeg=jpeg, now=now)
        if send:
            open_request(consent_request, actor=actor, now=now)
    return consent_request


# Answering


def decider_for(actor: User, pupil: Pupil, day: date) -> User | None:
    """Whose decision the actor gives: their own as a guardian with authority, or None for
    the pupil from 16 answering for themself. Raises when the actor may not answer."""
    if pupil.account_id is not None and pupil.account_id == actor.pk:
        if not pupil.decides_for_self(day):
            raise RequestError(_("Your guardians decide until you are 16."))
        return None
    if not access.is_guardian_with_authority(actor, pupil):
        raise NotAllowed(_("Only a guardian with parental authority can answer for this pupil."))
    if pupil.decides_for_self(day):
        raise RequestError(_("This pupil is 16 or older and decides for themself."))
    return actor


def own_answer(consent_request: ConsentRequest, pupil: Pupil, decider: User | None) -> bool | None:
    latest = (
        RequestAnswer.objects.filter(request=consent_request, pupil=pupil, guardian=decider)
        .order_by("-recorded_at", "-id")
        .first()
    )
    return None if latest is None else latest.given


@transaction.atomic
def answer(
    actor: User,
    consent_request: ConsentRequest,
    pupil: Pupil,
    given: bool,
    *,
    now: datetime | None = None,
) -> RequestAnswer | None:
    """A guardian with parental authority (or the pupil from 16) says yes or no.

    Returns the new answer, or None when it is the same as the decider's last one. After
    the deadline only a withdrawal (no, after one's own yes) is accepted.
    """
    now = now or timezone.now()
    if not consent_request.pupils.filter(pk=pupil.pk).exists():
        raise NotAllowed(_("This request is not about this pupil."))
    decider = decider_for(actor, pupil, timezone.localdate(now))
    if consent_request.status == Status.DRAFT:
        raise RequestError(_("This request has not been sent yet."))
    previous = own_answer(consent_request, pupil, decider)
    if not consent_request.accepts_answers(now) and not (previous is True and given is False):
        raise RequestError(
            _(
                "The deadline for this request has passed (%(date)s): answers are no longer "
                "accepted, and no answer counts as no. A yes can still be withdrawn."
            )
            % {"date": date_format(consent_request.deadline)}
        )
    if previous is given:
        return None
    created = RequestAnswer.objects.create(
        request=consent_request,
        pupil=pupil,
        guardian=decider,
        given=given,
        actor=actor,
        actor_role=RequestAnswer.ActorRole.GUARDIAN if decider else RequestAnswer.ActorRole.PUPIL,
        channel=RequestAnswer.Channel.WEB,
        recorded_at=now,
    )
    audit(
        "adhoc.answer.recorded",
        actor=actor,
        obj=created,
        school_id=consent_request.school_id,
        data={
            "request_id": consent_request.pk,
            "pupil_id": pupil.pk,
            "given": given,
            "guardian_id": decider.pk if decider else None,
        },
    )
    if not given:
        consent_narrowed.send(sender=RequestAnswer, pupil_id=pupil.pk)
    return created


# What the answers mean


def _latest(consent_request: ConsentRequest, now: datetime) -> dict[int, dict[int | None, bool]]:
    """The latest answer per pupil and decider, as it stood at `now`."""
    latest: dict[int, dict[int | None, bool]] = defaultdict(dict)
    for pupil_id, guardian_id, given in (
        RequestAnswer.objects.filter(request=consent_request, recorded_at__lte=now)
        .order_by("recorded_at", "id")
        .values_list("pupil_id", "guardian_id", "given")
    ):
        latest[pupil_id][guardian_id] = given
    return latest


def outcomes(consent_request: ConsentRequest, *, now: datetime | None = None) -> dict[int, Outcome]:
    """Per pupil of the request: what the answers mean at `now` (default: now).

    Four queries however many pupils. Once answers are no longer accepted, no answer is a
    final no (`no_answer_by_deadline`).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    final = consent_request.status != Status.DRAFT and not consent_request.accepts_answers(now)
    rows = list(consent_request.pupils.order_by().values_list("id", "date_of_birth"))
    authority = deciders_of(pupil_id for pupil_id, _dob in rows)
    latest = _latest(consent_request, now)
    result = {}
    for pupil_id, date_of_birth in rows:
        state, reason = rules.combine(
            latest[pupil_id],
            deciders=authority[pupil_id],
            decides_self=decides_for_self(date_of_birth, today),
            final=final,
        )
        result[pupil_id] = Outcome(pupil_id, state, reason)
    return result


def coverage(consent_request: ConsentRequest, *, now: datetime | None = None) -> Coverage:
    """Who the request covers at `now`: the photo gate's audience is `approved`.

    Every pupil of the request is in exactly one of the four sets. A draft has no answers,
    so it covers nobody. A never-photograph flag beats every yes, as everywhere else.
    """
    found = outcomes(consent_request, now=now)
    never = never_flagged(found)

    def having(*states: State) -> frozenset[int]:
        return frozenset(p for p, o in found.items() if o.state in states and p not in never)

    return Coverage(
        approved=having(State.YES),
        refused=having(State.NO, State.CONFLICT),
        waiting=having(State.UNANSWERED),
        never=frozenset(never),
    )


def request_allows(
    consent_request: ConsentRequest, pupil: Pupil, *, now: datetime | None = None
) -> bool:
    """May this pupil be in the audience of this request (for the photo gate)?

    True only when the request was sent, the pupil is one of its pupils, the answers say
    yes (see the module docstring), and the pupil has no never-photograph flag.
    """
    return coverage(consent_request, now=now).allows(pupil.pk)
