"""`consentry setup`: start a real school on a fresh install (or another school of a board).

Creates the board (or takes an existing one), the school, its first leadership account, the
board's privacy officer and the school's first leaflet as a draft, in one transaction (the
rules are in consentry.schools.setup). It asks its questions in a terminal; with --no-input
the answers come from flags. A password never comes from the command line, where other
users and the shell history would see it: it is typed twice without echo, read from a file
(or stdin), or generated and printed once.
"""

import getpass
import secrets
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone, translation

from consentry.schools import setup
from consentry.schools.models import Board
from consentry.schools.setup import Account, NewSchool, SetupError

# The two people it creates, by the prefix of their flags.
PEOPLE = {"leadership": "The school leadership", "officer": "The privacy officer"}
ANSWERS = ["board", "school", "brin", "city", "contact_email", "leaflet_label"] + [
    f"{person}_{field}" for person in PEOPLE for field in ("name", "email")
]


class Command(BaseCommand):
    help = (
        "Set up a school: its board (new or existing), the school, the first leadership "
        "account, the board's privacy officer and a first leaflet draft to edit and publish. "
        "Asks in a terminal; give --no-input and the flags to run it from a script."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--board",
            metavar="NAME",
            help="the board (schoolbestuur): an existing board's name or id, or a new board's name",
        )
        parser.add_argument("--school", metavar="NAME", help="the school's name")
        parser.add_argument(
            "--brin", metavar="CODE", help="the BRIN code: 12AB, or 12AB01 with a dependance code"
        )
        parser.add_argument("--city", help="the school's city (optional)")
        parser.add_argument(
            "--contact-email",
            metavar="EMAIL",
            help="the school's address for parents, printed on the leaflet",
        )
        for person, what in (
            ("leadership", "school leadership"),
            ("officer", "board's privacy officer (only for a board that has none yet)"),
        ):
            parser.add_argument(f"--{person}-name", metavar="NAME", help=f"the {what}: full name")
            parser.add_argument(
                f"--{person}-email", metavar="EMAIL", help=f"the {what}: email address, the login"
            )
            parser.add_argument(
                f"--{person}-password-file",
                metavar="FILE",
                help=f"the {what}: password, the first line of FILE (- reads stdin)",
            )
        parser.add_argument(
            "--generate-passwords",
            action="store_true",
            help="generate a password for each new account and print it, once",
        )
        parser.add_argument(
            "--leaflet-label", metavar="LABEL", help="the first leaflet's label (versie <year>)"
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="ask nothing: every answer comes from the flags",
        )

    def handle(self, *args, **options):
        self.stdin = options.get("stdin") or sys.stdin
        with translation.override("en"):  # for the operator, Django's messages included
            self._check_password_sources(options)
            try:
                answers = self._ask_all(options) if options["interactive"] else options
                new = self._new_school(answers, options)
            except (EOFError, KeyboardInterrupt):
                raise CommandError("Set-up cancelled: nothing was stored.") from None
            try:
                done = setup.set_up_school(new)
            except SetupError as error:
                problems = "".join(f"\n  - {problem}" for problem in error.problems)
                raise CommandError(f"Nothing was set up:{problems}") from None
            generated = [(done.leadership, new.leadership.password)]
            if new.privacy_officer is not None:
                generated.append((done.privacy_officer, new.privacy_officer.password))
            self._report(done, generated if options["generate_passwords"] else [])

    # -- the answers, from flags ------------------------------------------------------------

    def _new_school(self, answers: dict, options) -> NewSchool:
        if not options["interactive"]:
            self._check_flags(answers)
        officer = answers.get("officer_email") or answers.get("officer_name")
        return NewSchool(
            board=answers["board"],
            name=answers["school"],
            brin=answers["brin"],
            city=answers["city"] or "",
            contact_email=answers["contact_email"],
            leadership=self._account(answers, options, "leadership"),
            privacy_officer=self._account(answers, options, "officer") if officer else None,
            leaflet_label=answers["leaflet_label"] or _default_label(),
        )

    def _check_flags(self, options) -> None:
        needed = ["board", "school", "brin", "contact_email", "leadership_name", "leadership_email"]
        if (options["board"] and _needs_officer(options["board"])) or any(
            options[f"officer_{field}"] for field in ("name", "email")
        ):
            needed += ["officer_name", "officer_email"]
        missing = [f"--{key.replace('_', '-')}" for key in needed if not options[key]]
        if missing:
            raise CommandError(f"With --no-input, give {', '.join(missing)}.")

    def _account(self, answers: dict, options, person: str) -> Account:
        password = answers.get(f"{person}_password") or self._password(options, person)
        return Account(answers[f"{person}_name"], answers[f"{person}_email"], password)

    def _check_password_sources(self, options) -> None:
        files = [options[f"{person}_password_file"] for person in PEOPLE]
        if options["generate_passwords"] and any(files):
            raise CommandError("Give password files or --generate-passwords, not both.")
        if "-" in files and options["interactive"]:
            raise CommandError("A password from stdin needs --no-input.")
        if files.count("-") > 1:
            raise CommandError("Only one password can come from stdin: give the other in a file.")

    def _password(self, options, person: str) -> str:
        if options["generate_passwords"]:
            return secrets.token_urlsafe(18)  # 24 characters, 144 random bits
        path = options[f"{person}_password_file"]
        if not path:
            raise CommandError(
                f"Give --{person}-password-file FILE (- for stdin), or --generate-passwords."
            )
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text()
        except OSError as error:
            raise CommandError(f"Cannot read the password file {path}: {error.strerror}.") from None
        password = text.splitlines()[0] if text else ""
        if not password:
            raise CommandError(f"The first line of the password file {path} is empty.")
        return password

    # -- the answers, asked -----------------------------------------------------------------

    def _ask_all(self, options) -> dict:
        """Ask for every answer not given as a flag, checking each at once."""
        if not (hasattr(self.stdin, "isatty") and self.stdin.isatty()):
            raise CommandError(
                "consentry setup asks its questions in a terminal. To run it from a script, "
                "give --no-input and the answers as flags (see --help)."
            )
        answers = {key: options[key] for key in ANSWERS}
        boards = list(Board.objects.order_by("name"))
        if boards and not answers["board"]:
            self.stdout.write("Boards: " + "; ".join(f"{b.name} (id {b.pk})" for b in boards))
        only = boards[0].name if len(boards) == 1 else ""
        question = "Board (an existing board's name or id, or a new board's name)"
        self._ask(answers, "board", question, setup.check_board, default=only)
        board = setup.find_board(answers["board"])
        self.stdout.write(f"  Existing board, id {board.pk}." if board else "  A new board.")
        self._ask(answers, "school", "School name", _name_check("The school's name"))
        question = "BRIN code (12AB, or 12AB01 with a dependance code)"
        self._ask(answers, "brin", question, setup.check_brin)
        self._ask(answers, "city", "City (optional)", str.strip, required=False)
        self._ask_person(answers, "leadership", options)
        officer = setup.privacy_officer_of(board)
        if officer is None:
            self._ask_person(answers, "officer", options)
        else:
            self.stdout.write(f"The board's privacy officer stays {officer} <{officer.email}>.")
        question = "The school's contact address for parents (on the leaflet)"
        check = _email_check("The contact address")
        self._ask(answers, "contact_email", question, check, default=answers["leadership_email"])
        question, default = "Label of the first leaflet", _default_label()
        self._ask(answers, "leaflet_label", question, str.strip, default=default)
        return answers

    def _ask_person(self, answers: dict, person: str, options) -> None:
        what = PEOPLE[person]
        self._ask(answers, f"{person}_name", f"{what}: full name", _name_check(f"{what}'s name"))

        def check_email(value: str) -> str:
            email = setup.check_new_email(value, what)
            if person == "officer":
                setup.check_not_leadership(email, answers["leadership_email"])
            return email

        self._ask(answers, f"{person}_email", f"{what}: email address (login)", check_email)
        if not (options["generate_passwords"] or options[f"{person}_password_file"]):
            email, name = answers[f"{person}_email"], answers[f"{person}_name"]
            answers[f"{person}_password"] = self._ask_password(email, name, what)

    def _ask(self, answers: dict, key: str, question: str, check, *, default="", required=True):
        """Ask until `check` accepts the answer; a good answer given as a flag is not asked."""
        if answers[key] is not None:
            try:
                answers[key] = check(answers[key])
                return
            except SetupError as error:
                self.stderr.write(f"  {' '.join(error.problems)}")
        prompt = f"{question} [{default}]: " if default else f"{question}: "
        while True:
            self.stdout.write(prompt, ending="")
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                raise EOFError
            answer = line.strip() or default
            if not answer and required:
                self.stderr.write("  An answer is needed.")
                continue
            try:
                answers[key] = check(answer)
                return
            except SetupError as error:
                self.stderr.write(f"  {' '.join(error.problems)}")

    def _ask_password(self, email: str, name: str, what: str) -> str:
        while True:
            password = getpass.getpass(f"Password for {email}: ")
            if getpass.getpass("The same password again: ") != password:
                self.stderr.write("  The passwords do not match. Try again.")
                continue
            try:
                return setup.check_password(password, email=email, name=name, what=what)
            except SetupError as error:
                self.stderr.write(f"  {' '.join(error.problems)}")

    # -- what was done ----------------------------------------------------------------------

    def _report(self, done: setup.SetUp, generated: list) -> None:
        school, board, officer = done.school, done.board, done.privacy_officer
        code = school.brin + school.dependance
        base = settings.CONSENTRY_BASE_URL.rstrip("/")
        of_board = "the new board" if done.new_board else "board"
        kept = "" if done.new_privacy_officer else " (kept)"
        lines = [
            self.style.SUCCESS(
                f"Set up {school.name} (id {school.pk}, BRIN {code}) "
                f"of {of_board} {board.name} (id {board.pk})."
            ),
            f"  School leadership: {done.leadership} <{done.leadership.email}>",
            f"  Privacy officer of the board{kept}: {officer} <{officer.email}>",
            f"  Leaflet {done.leaflet.label!r} (id {done.leaflet.pk}): a draft of the starter "
            "leaflet, not published yet.",
        ]
        if generated:
            lines.append("Passwords, shown only this once; hand them over safely:")
            lines += [f"  {user.email}  {password}" for user, password in generated]
        lines += [
            "Next:",
            f"  1. They sign in at {base}{reverse('account_login')} with their password, then "
            "set up an authenticator app (TOTP), as their roles require.",
            f"  2. The leadership uploads the roster at "
            f"{base}{reverse('roster_upload', args=[school.pk])}",
            f"     (or: consentry import edex FILE --school {code}).",
            f"  3. The leadership makes the leaflet the school's own at "
            f"{base}{reverse('edit_leaflet_draft', args=[done.leaflet.pk])}",
            "     and publishes it; then guardians can answer.",
        ]
        self.stdout.write("\n".join(lines))


def _default_label() -> str:
    return f"versie {timezone.localdate().year}"


def _needs_officer(board: str) -> bool:
    """A new board, or one without a privacy officer yet, gets one now."""
    return setup.privacy_officer_of(setup.find_board(board)) is None


def _name_check(what: str):
    return lambda value: setup.check_name(value, what)


def _email_check(what: str):
    return lambda value: setup.check_email(value, what)
