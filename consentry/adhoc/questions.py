"""What a guardian (or a pupil from 16) sees of separate consent requests on their page.

Every open request about one of their children, with their own answer per child and whether
they may answer; and a closed request only where they said yes, so that a yes can still be
withdrawn. A draft is never shown: it is the school's own business until it is sent.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.accounts.models import User
from consentry.schools import access
from consentry.schools.models import Pupil

from .models import ConsentRequest, RequestAnswer

Status = ConsentRequest.Status


@dataclass
class ChildQuestion:
    pupil: Pupil
    own: bool | None  # this person's last answer for this child
    may_answer: bool
    note: str  # why they cannot answer, when they cannot


@dataclass
class Question:
    request: ConsentRequest
    open: bool  # still accepting answers (otherwise only a withdrawal is possible)
    children: list[ChildQuestion]


def _may_answer(
    user: User, pupil: Pupil, authority: dict[int, bool], today: date
) -> tuple[bool, str]:
    """The same rule as `services.decider_for`, as (may answer, why not) for the page."""
    if pupil.account_id == user.pk:
        if pupil.decides_for_self(today):
            return True, ""
        return False, _("Your guardians decide until you are 16.")
    if pupil.decides_for_self(today):
        return False, _("%(name)s is 16 or older and answers for themself.") % {
            "name": pupil.given_name
        }
    if not authority.get(pupil.pk):
        return False, _("Only a guardian with parental authority can answer.")
    return True, ""


def _own_answers(user: User, requests: list[ConsentRequest], pupil_ids) -> dict:
    latest: dict[tuple[int, int], bool] = {}
    for request_id, pupil_id, given in (
        RequestAnswer.objects.filter(request__in=requests, pupil_id__in=pupil_ids)
        .filter(Q(guardian=user) | Q(guardian__isnull=True, pupil__account=user))
        .order_by("recorded_at", "id")
        .values_list("request_id", "pupil_id", "given")
    ):
        latest[(request_id, pupil_id)] = given
    return latest


def questions_for(
    user: User, pupils: Iterable[Pupil], *, now: datetime | None = None
) -> list[Question]:
    """The requests this person should see about these pupils (their children, or
    themself), open ones first. Four queries however many requests."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    children = {pupil.pk: pupil for pupil in pupils}
    mine = Q(answers__guardian=user) | Q(answers__pupil__account=user)
    requests = list(
        ConsentRequest.objects.sent()
        .filter(pupils__in=list(children))
        .filter(Q(status=Status.OPEN, deadline__gte=today) | mine)
        .select_related("school")
        .distinct()
        .order_by("deadline", "pk")
    )
    concerned: dict[int, list[int]] = defaultdict(list)
    for request_id, pupil_id in ConsentRequest.pupils.through.objects.filter(
        consentrequest__in=requests, pupil_id__in=list(children)
    ).values_list("consentrequest_id", "pupil_id"):
        concerned[request_id].append(pupil_id)
    authority = access.scope_of(user).guardian_of  # the user's guardianships, read once
    own = _own_answers(user, requests, list(children))
    questions = []
    for consent_request in requests:
        is_open = consent_request.accepts_answers(now)
        rows = []
        for pupil_id in sorted(concerned[consent_request.pk]):
            pupil = children[pupil_id]
            may, note = _may_answer(user, pupil, authority, today)
            answer = own.get((consent_request.pk, pupil_id))
            if is_open or (may and answer is True):
                rows.append(ChildQuestion(pupil, answer, may, note))
        if rows:
            questions.append(Question(consent_request, is_open, rows))
    return sorted(questions, key=lambda q: not q.open)
