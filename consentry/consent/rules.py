"""The consent rules as one pure function: what a set of answers means.

Why one function: a leaflet category and a separate request are both questions to the same
family, so they must never disagree about who decides or what an answer means. The consent
engine (`consent.services`) and separate requests (`adhoc.services`) both call `combine`;
what differs is only where the answers come from (which answers count, which deadline).

The rules, in the order they are applied:
1. A "never photograph" flag beats every answer.
2. From 16 the pupil decides, not the guardians; only the pupil's own answer counts.
3. Below 16, only guardians with parental authority count (unknown authority does not).
   Any refusal wins; one yes and one no is `conflict`, which means no and is shown to the
   leadership. One guardian's yes with no refusal is consent.
4. No answer means no (active, opt-in consent); once answers are no longer accepted (a
   separate request past its deadline), no answer is a final no.
"""

from collections.abc import Collection, Mapping
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


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
    "no_answer_by_deadline": _("No answer by the deadline: that counts as no."),
    "refused": _("A guardian with parental authority refused."),
    "pupil_refused": _("The pupil (16 or older) refused."),
    "guardians_disagree": _("The guardians disagree: no, until they agree."),
    "never_photograph": _("The school has set a never-photograph flag."),
}

PUPIL = None  # the decider key of the pupil's own answer (from 16)


def combine(
    answers: Mapping[int | None, bool],
    *,
    deciders: Collection[int],
    decides_self: bool,
    never: bool = False,
    final: bool = False,
) -> tuple[State, str]:
    """The state and its reason (a key of REASONS) for one pupil and one question.

    `answers`: each decider's latest answer, keyed by guardian id, or `PUPIL` for the
    pupil's own; answers of anyone else are ignored. `deciders`: the guardians with parental
    authority. `final`: answers are no longer accepted, so no answer is a final no.
    """
    if never:
        return State.NEVER, "never_photograph"
    if decides_self:
        own = answers.get(PUPIL)
        if own is None:
            state, reason = State.UNANSWERED, "pupil_no_answer"
        elif own:
            return State.YES, "pupil_consented"
        else:
            return State.NO, "pupil_refused"
    else:
        counted = {given for who, given in answers.items() if who is not None and who in deciders}
        if counted == {True, False}:
            return State.CONFLICT, "guardians_disagree"
        if counted == {False}:
            return State.NO, "refused"
        if counted == {True}:
            return State.YES, "consent_given"
        state, reason = State.UNANSWERED, "no_answer"
    if final:
        return State.NO, "no_answer_by_deadline"
    return state, reason
