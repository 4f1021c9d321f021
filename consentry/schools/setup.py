"""Setting up a school: its board, the school, the first leadership account, the board's
privacy officer and the school's first leaflet draft.

Nothing else makes these on a fresh install: a roster import needs the school (or at least
its board) to exist, every page of the school needs a leadership account, and guardians can
answer only once a leaflet is published. `consentry setup` asks the operator and calls
`set_up_school`. Every problem is found before anything is written, and everything is written
in one transaction, so a refusal (or a crash) leaves nothing half set up.

The messages go to the operator at the command line, in English.
"""

import dataclasses
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from consentry.accounts.models import User
from consentry.audit.services import record
from consentry.leaflets.models import LeafletVersion
from consentry.leaflets.services import starter_draft

from .models import Board, School, StaffRole, split_brin


class SetupError(ValueError):
    """Input that cannot be set up; `problems` has one sentence per problem."""

    def __init__(self, *problems: str):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Account:
    """A staff account to create: they sign in with this password, then enrol TOTP."""

    name: str
    email: str
    password: str


@dataclass(frozen=True)
class NewSchool:
    board: str  # an existing board's name or id, or the name of a board to create
    name: str
    brin: str  # 12AB, or with a dependance code 12AB01
    city: str
    contact_email: str  # the address the leaflet gives parents
    leadership: Account
    privacy_officer: Account | None  # the board's; needed while the board has none
    leaflet_label: str


@dataclass(frozen=True)
class SetUp:
    board: Board
    new_board: bool
    school: School
    leadership: User
    privacy_officer: User  # the one created, or the one the board already had
    new_privacy_officer: bool
    leaflet: LeafletVersion


# -- checks, one per answer (the command also asks them while prompting) --------------------


def find_board(value: str) -> Board | None:
    """An existing board by id, or by name ignoring case; None when there is none."""
    value = value.strip()
    if value.isdigit():
        return Board.objects.filter(pk=int(value)).first()
    return Board.objects.filter(name__iexact=value).first()


def privacy_officer_of(board: Board | None) -> User | None:
    """The board's privacy officer, if it has one. One officer serves all its schools."""
    if board is None:
        return None
    roles = StaffRole.objects.filter(board=board, role=StaffRole.Role.PRIVACY_OFFICER)
    role = roles.select_related("user").order_by("pk").first()
    return role.user if role else None


def check_board(value: str) -> str:
    value = value.strip()
    if value.isdigit() and find_board(value) is None:
        raise SetupError(f"There is no board with id {value}; a new board needs a name.")
    return _check_text(value, "The board's name", _longest(Board, "name"))


def check_brin(value: str) -> str:
    """The BRIN as the roster has it (two digits, two capitals, maybe a dependance code),
    and not yet a school: an import matches a school by its BRIN, so two schools with one
    BRIN would take each other's pupils."""
    code = split_brin(value)
    if code is None:
        raise SetupError(
            f"{value.strip()!r} is not a BRIN code: two digits and two capitals, like 12AB, "
            "or with a dependance code, like 12AB01."
        )
    brin, dependance = code
    existing = School.objects.filter(brin=brin, dependance=dependance).first()
    if existing is not None:
        raise SetupError(
            f"BRIN {brin}{dependance} is already school {existing.name!r} (id {existing.pk})."
        )
    return brin + dependance


def check_email(value: str, what: str) -> str:
    """A valid address, lowercased as accounts store it."""
    email = User.objects.normalize_email(value.strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise SetupError(f"{what}: {value.strip()!r} is not an email address.") from None
    return email


def check_new_email(value: str, what: str) -> str:
    """An address for a new account. An address signs in to one account only, so one that
    is in use (a teacher, a guardian, staff of another school) is refused."""
    email = check_email(value, what)
    if User.objects.filter(email__iexact=email).exists():
        raise SetupError(f"{what}: there is already an account with {email}.")
    return email


def check_not_leadership(officer_email: str, leadership_email: str) -> None:
    """The privacy officer watches over how the school leadership handles personal data;
    one person in both roles would check their own work (GDPR art. 38(6))."""
    if officer_email.strip().lower() == leadership_email.strip().lower():
        raise SetupError(
            "The privacy officer must be someone other than the school leadership: "
            "their tasks would conflict (GDPR art. 38(6))."
        )


def check_password(password: str, *, email: str, name: str, what: str) -> str:
    """The password, if Django's password validators (AUTH_PASSWORD_VALIDATORS) accept it."""
    try:
        password_validation.validate_password(password, User(email=email, full_name=name))
    except ValidationError as error:
        raise SetupError(f"{what}'s password: {' '.join(error.messages)}") from None
    return password


def check_name(value: str, what: str) -> str:
    return _check_text(value, what, _longest(User, "full_name"))


def _longest(model, field: str) -> int | None:
    return model._meta.get_field(field).max_length


def _check_text(value: str, what: str, max_length: int | None, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise SetupError(f"{what} is missing.")
    if max_length and len(value) > max_length:
        raise SetupError(f"{what} is longer than {max_length} characters.")
    return value


# -- all of it -------------------------------------------------------------------------------


def cleaned(new: NewSchool) -> NewSchool:
    """The same input trimmed and lowercased as it will be stored; SetupError lists every
    problem at once, so a script's author fixes them in one go."""
    problems: list[str] = []

    def check(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SetupError as error:
            problems.extend(error.problems)
            return None

    board = check(check_board, new.board)
    leadership = check(_account, new.leadership, "The school leadership")
    officer = None
    if new.privacy_officer is not None:
        officer = check(_account, new.privacy_officer, "The privacy officer")
        check(check_not_leadership, new.privacy_officer.email, new.leadership.email)
    if board is not None:
        check(_check_officer_needed, find_board(board), board, new.privacy_officer)
    result = dataclasses.replace(
        new,
        board=board,
        name=check(_check_text, new.name, "The school's name", _longest(School, "name")),
        brin=check(check_brin, new.brin),
        city=check(_check_text, new.city, "The city", _longest(School, "city"), required=False),
        contact_email=check(check_email, new.contact_email, "The school's contact address"),
        leadership=leadership,
        privacy_officer=officer,
        leaflet_label=check(
            _check_text, new.leaflet_label, "The leaflet's label", _longest(LeafletVersion, "label")
        ),
    )
    if problems:
        raise SetupError(*problems)
    return result


def _account(account: Account, what: str) -> Account:
    name = check_name(account.name, f"{what}'s name")
    email = check_new_email(account.email, what)
    password = check_password(account.password, email=email, name=name, what=what)
    return Account(name=name, email=email, password=password)


def _check_officer_needed(board: Board | None, name: str, officer: Account | None) -> None:
    """A board has one privacy officer for all its schools: a new board needs one, and a
    second school of a board keeps the officer the board has."""
    existing = privacy_officer_of(board)
    if existing is None and officer is None:
        which = "The new board" if board is None else "Board"
        raise SetupError(f"{which} {name!r} has no privacy officer yet: give one.")
    if board is not None and existing is not None and officer is not None:
        raise SetupError(
            f"Board {board.name!r} already has a privacy officer ({existing.email}), who serves "
            "all its schools: leave the privacy officer out."
        )


@transaction.atomic
def set_up_school(new: NewSchool) -> SetUp:
    """Create the school with its first people and leaflet draft, and one audit entry.

    The leadership and privacy officer get a password only: their role makes them enrol an
    authenticator app (TOTP) on first sign-in (accounts.middleware). The leaflet is a draft
    of the starter leaflet, so the leadership makes it the school's own before publishing.
    The audit entry holds ids only; names and addresses are on the rows it points to.
    """
    new = cleaned(new)
    board = find_board(new.board)
    new_board = board is None
    if board is None:
        board = Board.objects.create(name=new.board)
    brin, dependance = split_brin(new.brin) or ("", "")
    school = School.objects.create(
        board=board,
        name=new.name,
        brin=brin,
        dependance=dependance,
        city=new.city,
        contact_email=new.contact_email,
    )
    leadership = _staff(new.leadership, board, school, StaffRole.Role.LEADERSHIP)
    if new.privacy_officer is not None:
        officer = _staff(new.privacy_officer, board, None, StaffRole.Role.PRIVACY_OFFICER)
    else:
        roles = StaffRole.objects.filter(board=board, role=StaffRole.Role.PRIVACY_OFFICER)
        officer = roles.select_related("user").earliest("pk").user  # checked: it has one
    leaflet = starter_draft(school, label=new.leaflet_label)
    record(
        "school.set_up",
        actor="command line",
        obj=school,
        school_id=school.pk,
        data={
            "board_id": board.pk,
            "new_board": new_board,
            "leadership_id": leadership.pk,
            "privacy_officer_id": officer.pk if new.privacy_officer else None,
            "leaflet_version_id": leaflet.pk,
        },
    )
    return SetUp(
        board=board,
        new_board=new_board,
        school=school,
        leadership=leadership,
        privacy_officer=officer,
        new_privacy_officer=new.privacy_officer is not None,
        leaflet=leaflet,
    )


def _staff(account: Account, board: Board, school: School | None, role: str) -> User:
    user = User.objects.create_user(account.email, account.password, full_name=account.name)
    StaffRole.objects.create(user=user, board=board, school=school, role=role)
    return user
