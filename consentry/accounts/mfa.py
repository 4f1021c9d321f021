"""Who must use a second factor.

Leadership and privacy officers see every pupil of a school (or a board), never-photograph
reasons included; a stolen password alone must not open that. Teachers see one group and may
turn on an authenticator app themselves; guardians sign in by emailed code.
"""

from allauth.mfa.models import Authenticator

from consentry.schools.access import scope_of
from consentry.schools.models import StaffRole

ROLES_THAT_NEED_TOTP = (StaffRole.Role.LEADERSHIP, StaffRole.Role.PRIVACY_OFFICER)


def must_use_totp(user) -> bool:
    return scope_of(user).has_role(*ROLES_THAT_NEED_TOTP)


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def needs_totp_enrolment(user) -> bool:
    """True for a signed-in person whose role needs TOTP but who has not set it up yet."""
    return user.is_authenticated and must_use_totp(user) and not has_totp(user)
