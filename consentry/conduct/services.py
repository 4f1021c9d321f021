"""The rules of the privacy rules: who must acknowledge them, publishing, acknowledging.

Interns and visitors with an account (StaffRole intern or visitor) see no personal data, but
they are in the classroom, see the children and may hear about them. Before they take part
they acknowledge the school's current rules for the period they are there; until then their
account opens nothing but the acknowledgement page (conduct.middleware). Visitors without an
account (a photographer, a volunteer) sign on paper, and the school records that here.

Each publication and each acknowledgement writes an audit entry in the same transaction.
The audit data holds ids, dates and choices, never a name: the audit trail cannot forget.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.accounts.models import User
from consentry.audit.services import record
from consentry.schools import access
from consentry.schools.models import School, StaffRole

from .models import Acknowledgement, PrivacyRules

# The roles whose accounts wait behind the acknowledgement, and the role they sign as.
GATED_ROLES = {
    StaffRole.Role.INTERN: Acknowledgement.Role.INTERN,
    StaffRole.Role.VISITOR: Acknowledgement.Role.VISITOR,
}
# An acknowledgement counts for one school year at most: whoever stays longer confirms again.
LONGEST_PERIOD = timedelta(days=366)


class ConductError(Exception):
    """A request that the rules refuse; the message says why, for the person who asked."""


def gated_roles(user: User) -> QuerySet[StaffRole]:
    """The user's intern and visitor roles, each at one school."""
    return (
        StaffRole.objects.filter(user=user, role__in=GATED_ROLES, school__isnull=False)
        .select_related("school")
        .order_by("school_id")
    )


def valid_acknowledgement(user: User, school: School, on: date) -> Acknowledgement | None:
    """The user's acknowledgement of the school's current rules whose period includes `on`."""
    current = PrivacyRules.objects.current_for(school)
    if current is None:
        return None
    return (
        Acknowledgement.objects.filter(user=user, rules=current)
        .filter(period_from__lte=on, period_to__gte=on)
        .first()
    )


def schools_to_acknowledge(user: User, on: date) -> list[School]:
    """The schools where the user is an intern or visitor without a valid acknowledgement.

    A school that has not published rules yet counts too: nobody takes part before the
    rules exist (default deny); the page tells them to ask the school.
    """
    schools = {role.school.pk: role.school for role in gated_roles(user) if role.school}
    return [s for s in schools.values() if valid_acknowledgement(user, s, on) is None]


def needs_acknowledgement(user, on: date) -> bool:
    """True for an intern's or visitor's account that may not open anything yet.

    They acknowledge the current version of each of their schools' rules, for a period that
    includes today. A new version, or the end of their period, closes the account again until
    they acknowledge anew: the promise is to the rules as they are now, for the time they are
    there. Their access after that is the role's own (interns see no personal data).
    """
    scope = access.scope_of(user)
    schools = {school for role, school, _board in scope.roles if role in GATED_ROLES and school}
    return any(valid_acknowledgement(user, School(pk=pk), on) is None for pk in sorted(schools))


def period_problem(period_from: date, period_to: date, *, must_include: date | None = None):
    """What is wrong with a period, or None. Someone acknowledging on the web must be there
    today: an acknowledgement for later would not open the account now."""
    if period_to < period_from:
        return _("The end of the period cannot be before its start.")
    if period_to - period_from > LONGEST_PERIOD:
        return _("A period is a year at most; after that the rules are acknowledged again.")
    if must_include is not None and not period_from <= must_include <= period_to:
        return _("The period must include today.")
    return None


@transaction.atomic
def start_draft(school: School, *, label: str, text_nl: str, text_en: str, actor) -> PrivacyRules:
    if not access.schools_overseen_by(actor).filter(pk=school.pk).exists():
        raise ConductError(_("Only the school leadership and the privacy officer write the rules."))
    if school.privacy_rules.filter(label=label).exists():
        raise ConductError(_("There is already a version with this name."))
    rules = PrivacyRules.objects.create(
        school=school, label=label, text_nl=text_nl, text_en=text_en
    )
    record("conduct.rules_drafted", actor=actor, obj=rules, school_id=school.pk)
    return rules


@transaction.atomic
def publish(rules: PrivacyRules, *, actor, now=None) -> PrivacyRules:
    """Put a draft in force. From now on every intern and visitor account of the school must
    acknowledge this version; the text can no longer change."""
    if not access.schools_overseen_by(actor).filter(pk=rules.school_id).exists():
        raise ConductError(_("Only the school leadership and the privacy officer publish rules."))
    now = now or timezone.now()
    drafts = PrivacyRules.objects.filter(pk=rules.pk, published_at__isnull=True)
    if not drafts.update(published_at=now, published_by=actor):
        raise ConductError(_("This version was already published."))
    rules.refresh_from_db()
    record(
        "conduct.rules_published",
        actor=actor,
        obj=rules,
        school_id=rules.school_id,
        data={"label": rules.label},
    )
    return rules


@transaction.atomic
def acknowledge(
    user: User, rules: PrivacyRules, *, period_from: date, period_to: date, on: date
) -> Acknowledgement:
    """An intern or visitor acknowledges, on the web, the rules they have just read."""
    role = gated_roles(user).filter(school_id=rules.school_id).first()
    if role is None:
        raise ConductError(_("You are not an intern or visitor at this school."))
    if PrivacyRules.objects.current_for(rules.school) != rules:
        raise ConductError(_("These are not the school's current rules: read them again."))
    problem = period_problem(period_from, period_to, must_include=on)
    if problem:
        raise ConductError(problem)
    return _save(
        Acknowledgement(
            school_id=rules.school_id,
            rules=rules,
            user=user,
            name=user.full_name or user.email,
            role=GATED_ROLES[StaffRole.Role(role.role)],
            period_from=period_from,
            period_to=period_to,
            recorded_by=user,
            channel=Acknowledgement.Channel.WEB,
        ),
        actor=user,
    )


@transaction.atomic
def record_on_paper(
    actor: User, rules: PrivacyRules, *, name: str, role: str, period_from: date, period_to: date
) -> Acknowledgement:
    """Staff record a visitor without an account who signed the rules on paper (the school
    keeps the signed sheet). Any published version: the sheet may be an older print."""
    if not access.schools_overseen_by(actor).filter(pk=rules.school_id).exists():
        raise ConductError(_("Only the school leadership and the privacy officer record this."))
    if not rules.is_published:
        raise ConductError(_("Only published rules can have been signed."))
    problem = period_problem(period_from, period_to)
    if problem:
        raise ConductError(problem)
    return _save(
        Acknowledgement(
            school_id=rules.school_id,
            rules=rules,
            name=name,
            role=role,
            period_from=period_from,
            period_to=period_to,
            recorded_by=actor,
            channel=Acknowledgement.Channel.PAPER,
        ),
        actor=actor,
    )


def _save(acknowledgement: Acknowledgement, *, actor) -> Acknowledgement:
    acknowledgement.save()
    record(
        "conduct.acknowledged",
        actor=actor,
        obj=acknowledgement,
        school_id=acknowledgement.school_id,
        data={
            "rules_id": acknowledgement.rules_id,
            "label": acknowledgement.rules.label,
            "user_id": acknowledgement.user_id,
            "role": acknowledgement.role,
            "channel": acknowledgement.channel,
            "period_from": acknowledgement.period_from.isoformat(),
            "period_to": acknowledgement.period_to.isoformat(),
        },
    )
    return acknowledgement


def waiting_accounts(school: School, on: date) -> list[tuple[StaffRole, Acknowledgement | None]]:
    """The school's intern and visitor accounts that cannot open anything yet, each with their
    latest acknowledgement (of an earlier version, or of a period that ended), if any."""
    roles = StaffRole.objects.filter(school=school, role__in=GATED_ROLES).select_related("user")
    by_user = {role.user_id: role for role in roles.order_by("user__full_name", "user__email")}
    return [
        (role, school.acknowledgements.filter(user=role.user).first())
        for role in by_user.values()
        if valid_acknowledgement(role.user, school, on) is None
    ]
