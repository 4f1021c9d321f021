"""Who must use a second factor, and what it takes to set one up.

Leadership and privacy officers see every pupil of a school (or a board), never-photograph
reasons included; a stolen password alone must not open that. Teachers see one group and may
turn on an authenticator app themselves; guardians sign in by emailed code.
"""

import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings

from consentry.schools.access import scope_of
from consentry.schools.models import StaffRole

ROLES_THAT_NEED_TOTP = (StaffRole.Role.LEADERSHIP, StaffRole.Role.PRIVACY_OFFICER)


def must_use_totp(user) -> bool:
    return scope_of(user).has_role(*ROLES_THAT_NEED_TOTP)


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def has_authenticator(user) -> bool:
    return Authenticator.objects.filter(user=user).exists()


def needs_totp_enrolment(user) -> bool:
    """True for a signed-in person whose role needs TOTP but who has not set it up yet."""
    return user.is_authenticated and must_use_totp(user) and not has_totp(user)


def entered_mailed_code_recently(request) -> bool:
    """Did this browser type a code mailed to the person's own address (signing in by code,
    or confirming by code) within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds?"""
    oldest = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    records = get_authentication_records(request, request.user)
    return any(r.get("method") == "code" and r.get("at", 0) > oldest for r in records)


def needs_mailed_code_before_enrolment(request) -> bool:
    """A first authenticator app only after a code mailed to the person's own address.

    Whoever enrols the first app owns the account from then on. If the password were enough,
    whoever learnt a leadership password (phished, guessed, read over a shoulder) could
    enrol their own phone before the real owner did, and lock the owner out. The mailbox is
    the address the school registered, so the code proves it is the school's person.
    """
    user = request.user
    return (
        user.is_authenticated
        and not has_authenticator(user)
        and not entered_mailed_code_recently(request)
    )
