"""`consentry setup`: a real school from an empty database, and the input it refuses.

The first test walks the whole first run through the public surface: the command, then the
leadership in a browser (password, TOTP set-up, roster upload, the leaflet draft edited and
published), then a guardian from the roster who answers.
"""

import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.consent.services import State
from consentry.leaflets import starter
from consentry.leaflets.models import Category, LeafletVersion
from consentry.leaflets.views import CategoryFormSet
from consentry.mail.models import OutgoingMail
from consentry.schools import access, setup
from consentry.schools.management.commands import setup as setup_command
from consentry.schools.models import Board, School, StaffRole
from tests.accounts.conftest import code_in, totp_code
from tests.consent.helpers import verdict
from tests.roster import builders as b
from tests.roster.test_guardians_csv import guardians_csv

LEADERSHIP_PASSWORD = "Eikenblad-2026"
OFFICER_PASSWORD = "Privacy-is-een-recht"

FLAGS = {
    "board": "Stichting De Bomen",
    "school": "De Eik",
    "brin": "12AB",
    "city": "Utrecht",
    "contact-email": "info@de-eik.nl",
    "leadership-name": "Lea de Leider",
    "leadership-email": "Lea@De-Eik.nl",
    "officer-name": "Otto Verhoeven",
    "officer-email": "fg@de-bomen.nl",
}


@pytest.fixture
def passwords(tmp_path):
    """Password files, as a deploy script would write them (the first line counts)."""

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def run_setup(passwords, *extra: str, stdin=None, **changes):
    """Run `consentry setup --no-input` with FLAGS, changed by `changes` (None: left out)."""
    flags = FLAGS | {key.replace("_", "-"): value for key, value in changes.items()}
    args = ["--no-input"]
    for key, value in flags.items():
        if value is not None:
            args += [f"--{key}", value]
    if "--generate-passwords" not in extra:
        if "leadership-password-file" not in flags:
            args += ["--leadership-password-file", passwords("lead", LEADERSHIP_PASSWORD + "\n")]
        if flags["officer-email"] and "officer-password-file" not in flags:
            args += ["--officer-password-file", passwords("officer", OFFICER_PASSWORD + "\n")]
    out, err = io.StringIO(), io.StringIO()
    call_command("setup", *args, *extra, stdout=out, stderr=err, stdin=stdin)
    return out.getvalue()


def second_school(**changes) -> dict:
    """Flags for another school of the same board: it keeps the board's privacy officer."""
    return {
        "school": "De Beuk",
        "brin": "34CD",
        "contact_email": "info@de-beuk.nl",
        "leadership_name": "Bas Beuk",
        "leadership_email": "bas@de-beuk.nl",
        "officer_name": None,
        "officer_email": None,
    } | changes


def stored() -> dict[str, int]:
    models = (Board, School, User, StaffRole, LeafletVersion, Category, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


# -- the whole first run -------------------------------------------------------------------


class Form(HTMLParser):
    """The fields of the form around `marker` in a page, as a browser would submit them."""

    def __init__(self, html: str, marker: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._done = False
        self.feed(html[html.rindex("<form", 0, html.index(marker)) :])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done or "name" not in attrs:
            return
        if tag == "input" and attrs.get("type") not in ("checkbox", "radio", "submit"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # A browser drops the newline that Django writes right after <textarea>.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None
        self._done = self._done or tag == "form"


def browser() -> Client:
    return Client(headers={"accept-language": "en"})


def sign_in_with_totp(client: Client, email: str, password: str) -> None:
    """Password, then the TOTP set-up the role requires (after a code mailed to the school's
    address for them), with the secret the page shows."""
    assert client.post("/login/", {"login": email, "password": password})["Location"] == "/"
    assert client.get("/")["Location"] == "/security/totp/activate/"
    client.post("/reauthenticate/code/", {"next": "/security/totp/activate/"})
    mail = OutgoingMail.objects.filter(to_address=email).latest("pk")
    client.post("/reauthenticate/code/confirm/", {"code": code_in(mail.body)})
    page = client.get("/security/totp/activate/").text
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page).group(1)
    response = client.post("/security/totp/activate/", {"code": totp_code(secret)})
    assert response["Location"] == "/security/recovery-codes/"


def upload_roster(client: Client, school_id: int, kind: str, data: bytes) -> str:
    """Upload a file, read the dry-run report, confirm it; the page the import ends on."""
    url = f"/roster/schools/{school_id}/"
    file = SimpleUploadedFile(f"export.{kind}", data)
    preview = client.post(url, {"kind": kind, "file": file})["Location"]
    report = client.get(preview).text
    assert "nothing has been imported yet" in report
    fields = Form(report, 'name="payload_sha256"').fields
    done = client.post(preview, {"action": "confirm", **fields}, follow=True)
    assert done.redirect_chain[-1][0] == url
    return done.text


def test_a_school_from_an_empty_database_to_a_guardians_answer(db, passwords):
    assert set(stored().values()) == {0}
    output = run_setup(passwords)
    assert "Set up De Eik" in output and "the new board Stichting De Bomen" in output

    # The leadership signs in with the password and must set up TOTP first.
    leader = browser()
    sign_in_with_totp(leader, "lea@de-eik.nl", LEADERSHIP_PASSWORD)
    leader.post("/i18n/setlang/", {"language": "en", "next": "/"})  # pages read in English
    overview = leader.get("/")["Location"]
    school_id = int(re.fullmatch(r"/schools/(\d+)/", overview).group(1))
    assert leader.get(overview).status_code == 200

    # The roster: pupils from the pupil administration, then their guardians.
    pupils = [b.leerling("1001", "Emma", "Jansen"), b.leerling("1002", "Noah", "Bakker")]
    page = upload_roster(leader, school_id, "edex", b.edex(pupils, brin="12AB"))
    assert "The roster was imported." in page
    groups = leader.get("/groups/").text
    matrix = re.search(r'href="(/groups/\d+/)"', groups).group(1)
    names = leader.get(matrix).text
    assert "Emma Jansen" in names and "Noah Bakker" in names
    rows = [["1001", "Sanne Jansen", "sanne@example.nl", "ja"]]
    assert "The roster was imported." in upload_roster(
        leader, school_id, "guardians", guardians_csv(rows)
    )

    # The leaflet draft: one text changed in the editor, every other text kept, published.
    versions = leader.get(f"/schools/{school_id}/leaflet/versions/").text
    edit = re.search(r'href="(/leaflet-versions/(\d+)/edit/)"', versions)
    fields = Form(leader.get(edit.group(1)).text, "form-TOTAL_FORMS").fields
    assert fields["intro_nl"] == starter.INTRO_NL
    fields["closing_nl"] = "Vragen? Loop gerust binnen bij De Eik."
    assert leader.post(edit.group(1), fields)["Location"] == versions_url(school_id)
    publish = f"/leaflet-versions/{edit.group(2)}/publish/"
    assert leader.post(publish, {"material": "yes"})["Location"] == versions_url(school_id)
    leaflet = Client(headers={"accept-language": "nl"}).get(f"/schools/{school_id}/leaflet/").text
    assert "Vragen? Loop gerust binnen bij De Eik." in leaflet
    version = LeafletVersion.objects.get(pk=edit.group(2))
    assert version.status == LeafletVersion.Status.ACTIVE
    texts = {field: getattr(version, field) for field in starter.TEXTS}
    assert texts == starter.TEXTS | {"closing_nl": "Vragen? Loop gerust binnen bij De Eik."}
    fields = ["number", *CategoryFormSet.form.base_fields]
    categories = list(version.categories.values(*fields))
    assert categories == starter.CATEGORIES  # every other text came through the editor unchanged

    # A guardian from the roster signs in with a code by email and answers.
    guardian = browser()
    guardian.post("/login/code/", {"email": "sanne@example.nl"})
    mail = OutgoingMail.objects.filter(kind="sign_in_code", to_address="sanne@example.nl").get()
    assert guardian.post("/login/code/confirm/", {"code": code_in(mail.body)})["Location"] == "/"
    children = guardian.get(guardian.get("/")["Location"]).text
    child = re.search(r'href="(/pupils/\d+/)"', children).group(1)
    saved = guardian.post(child, {"category_1": "yes", "category_4": "no"})
    assert saved["Location"] == child
    emma = version.school.pupils.get(pupil_number="1001")
    assert verdict(emma, 1).state is State.YES and verdict(emma, 4).state is State.NO


def versions_url(school_id: int) -> str:
    return f"/schools/{school_id}/leaflet/versions/"


def test_the_privacy_officer_signs_in_and_must_set_up_totp_too(db, passwords):
    run_setup(passwords)
    officer = browser()
    sign_in_with_totp(officer, "fg@de-bomen.nl", OFFICER_PASSWORD)
    school = School.objects.get(brin="12AB")
    assert officer.get("/")["Location"] == f"/schools/{school.pk}/"


def test_it_creates_the_school_its_people_and_a_draft_with_one_audit_entry(db, passwords):
    run_setup(passwords, brin="12ab-01", leaflet_label="versie 2027")
    school = School.objects.get()
    assert (school.name, school.brin, school.dependance) == ("De Eik", "12AB", "01")
    assert (school.city, school.contact_email, school.board.name) == (
        "Utrecht",
        "info@de-eik.nl",
        "Stichting De Bomen",
    )
    leadership = User.objects.get(email="lea@de-eik.nl")  # lowercased, as sign-in expects
    officer = User.objects.get(email="fg@de-bomen.nl")
    assert leadership.check_password(LEADERSHIP_PASSWORD)
    assert officer.check_password(OFFICER_PASSWORD)
    roles = {(r.user, r.school, r.role) for r in StaffRole.objects.filter(board=school.board)}
    assert roles == {
        (leadership, school, StaffRole.Role.LEADERSHIP),
        (officer, None, StaffRole.Role.PRIVACY_OFFICER),
    }
    draft = LeafletVersion.objects.get(school=school)
    assert (draft.label, draft.status, draft.published_at) == ("versie 2027", "draft", None)
    assert [c.number for c in draft.categories.all()] == [1, 2, 3, 4, 6, 7, 8]
    assert browser().get(f"/schools/{school.pk}/leaflet/{draft.pk}/").status_code == 404

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_label, entry.school_id) == (
        "school.set_up",
        "command line",
        school.pk,
    )
    assert entry.data == {
        "board_id": school.board_id,
        "new_board": True,
        "leadership_id": leadership.pk,
        "privacy_officer_id": officer.pk,
        "leaflet_version_id": draft.pk,
    }
    text = json.dumps(entry.data)
    assert "de-eik" not in text and "Lea" not in text  # ids only
    assert verify_chain() == (1, None)


def test_a_second_school_of_the_board_keeps_its_privacy_officer(db, passwords):
    run_setup(passwords)
    board = Board.objects.get()
    output = run_setup(passwords, "--generate-passwords", **second_school(board=str(board.pk)))
    assert "Privacy officer of the board (kept): Otto Verhoeven" in output
    run_setup(
        passwords,
        "--generate-passwords",
        **second_school(board="stichting de bomen", brin="56EF", leadership_email="c@de-beuk.nl"),
    )
    assert Board.objects.count() == 1 and board.schools.count() == 3
    officer = User.objects.get(email="fg@de-bomen.nl")
    assert set(access.schools_overseen_by(officer)) == set(board.schools.all())
    assert StaffRole.objects.filter(role=StaffRole.Role.PRIVACY_OFFICER).count() == 1
    entry = AuditEntry.objects.filter(school_id=School.objects.get(brin="34CD").pk).get()
    assert (entry.data["new_board"], entry.data["privacy_officer_id"]) == (False, None)


def test_generated_passwords_are_printed_once_and_let_them_sign_in(db, passwords):
    output = run_setup(passwords, "--generate-passwords")
    printed = dict(re.findall(r"^  (\S+@\S+)  (\S+)$", output, re.MULTILINE))
    assert set(printed) == {"lea@de-eik.nl", "fg@de-bomen.nl"}
    for email, password in printed.items():
        assert output.count(password) == 1 and len(password) >= 20
        assert User.objects.get(email=email).check_password(password)
    assert printed["lea@de-eik.nl"] != printed["fg@de-bomen.nl"]


def test_a_password_can_come_from_stdin(db, passwords):
    run_setup(passwords, officer_password_file="-", stdin=io.StringIO("Uit-de-pijp-2026\n"))
    assert User.objects.get(email="fg@de-bomen.nl").check_password("Uit-de-pijp-2026")


# -- refusals: a clear message, and nothing stored -------------------------------------------


def test_a_failure_half_way_leaves_nothing(db, passwords, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(setup, "starter_draft", crash)  # the last step before the audit entry
    with pytest.raises(OSError):
        run_setup(passwords)
    assert set(stored().values()) == {0}


def test_the_service_refuses_a_new_board_without_a_privacy_officer(db):
    new = setup.NewSchool(
        board="Stichting Nieuw",
        name="De Eik",
        brin="12AB",
        city="",
        contact_email="info@de-eik.nl",
        leadership=setup.Account("Lea", "lea@de-eik.nl", LEADERSHIP_PASSWORD),
        privacy_officer=None,
        leaflet_label="versie 2026",
    )
    with pytest.raises(setup.SetupError) as error:
        setup.set_up_school(new)
    assert error.value.problems == [
        "The new board 'Stichting Nieuw' has no privacy officer yet: give one."
    ]
    assert set(stored().values()) == {0}


def refused(passwords, *extra, **changes) -> str:
    before = stored()
    with pytest.raises(CommandError) as error:
        run_setup(passwords, *extra, **changes)
    assert stored() == before, "a refused set-up stored something"
    return str(error.value)


@pytest.mark.parametrize("brin", ["12AB", "12ab", "12AB00", "12AB-00"])
def test_an_existing_brin_is_refused(db, passwords, brin):
    run_setup(passwords)
    message = refused(passwords, **second_school(brin=brin))
    assert "BRIN 12AB is already school 'De Eik'" in message


@pytest.mark.parametrize("brin", ["1234", "12ABC", "AB12", "12AB1", ""])
def test_a_malformed_brin_is_refused(db, passwords, brin):
    message = refused(passwords, brin=brin)
    assert "is not a BRIN code" in message or "give --brin" in message


@pytest.mark.parametrize(
    ("flag", "what"),
    [
        ("leadership_email", "The school leadership"),
        ("officer_email", "The privacy officer"),
        ("contact_email", "The school's contact address"),
    ],
)
def test_a_malformed_email_is_refused(db, passwords, flag, what):
    message = refused(passwords, **{flag: "lea-at-de-eik.nl"})
    assert f"{what}: 'lea-at-de-eik.nl' is not an email address." in message


@pytest.mark.parametrize(
    ("password", "reason"),
    [("kort", "This password is too short"), ("password123", "This password is too common")],
)
def test_a_password_the_validators_refuse_is_refused(db, passwords, password, reason):
    message = refused(passwords, leadership_password_file=passwords("weak", password))
    assert "The school leadership's password: " + reason in message


def test_an_email_already_in_use_is_refused(db, passwords):
    run_setup(passwords)
    message = refused(passwords, **second_school(leadership_email="FG@de-bomen.nl"))
    assert "The school leadership: there is already an account with fg@de-bomen.nl." in message


def test_every_problem_is_listed_at_once(db, passwords):
    run_setup(passwords)
    message = refused(passwords, **second_school(brin="12AB", leadership_email="lea@de-eik.nl"))
    assert message.startswith("Nothing was set up:")
    assert "BRIN 12AB is already" in message and "already an account with lea@" in message


def test_the_privacy_officer_is_not_the_school_leadership(db, passwords):
    message = refused(passwords, officer_email="lea@de-eik.nl")
    assert "The privacy officer must be someone other than the school leadership" in message


def test_a_new_board_needs_a_privacy_officer(db, passwords):
    message = refused(passwords, officer_name=None, officer_email=None)
    assert "give --officer-name, --officer-email" in message


def test_a_board_with_a_privacy_officer_gets_no_second_one(db, passwords):
    run_setup(passwords)
    message = refused(
        passwords, **second_school(officer_name="Nog Een", officer_email="fg2@de-bomen.nl")
    )
    assert "already has a privacy officer (fg@de-bomen.nl)" in message


def test_an_unknown_board_id_is_refused(db, passwords):
    assert "There is no board with id 7" in refused(passwords, board="7")


def test_missing_answers_are_named(db, passwords):
    message = refused(passwords, school=None, contact_email=None)
    assert message == "With --no-input, give --school, --contact-email."


def test_a_password_needs_a_source(db, passwords):
    message = refused(passwords, leadership_password_file="")
    assert "Give --leadership-password-file FILE (- for stdin), or --generate-passwords." in message
    missing = passwords("none", "") + "-not-there"
    assert "Cannot read the password file" in refused(passwords, leadership_password_file=missing)
    empty = passwords("empty", "\n")
    assert "is empty" in refused(passwords, leadership_password_file=empty)


# -- asked in a terminal ---------------------------------------------------------------------


class Terminal(io.StringIO):
    """What the operator types, line by line, at a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def typed_passwords(monkeypatch):
    """Passwords typed at the hidden prompts (getpass reads the terminal itself)."""
    typed: list[str] = []
    monkeypatch.setattr(setup_command.getpass, "getpass", lambda prompt="": typed.pop(0))
    return typed


def ask(answers: list[str], *flags: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    terminal = Terminal("\n".join(answers) + "\n")
    call_command("setup", *flags, stdin=terminal, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_in_a_terminal_it_asks_checks_each_answer_and_offers_defaults(db, typed_passwords):
    typed_passwords += ["kort", "kort", LEADERSHIP_PASSWORD, "typo", LEADERSHIP_PASSWORD]
    typed_passwords += [LEADERSHIP_PASSWORD, OFFICER_PASSWORD, OFFICER_PASSWORD]
    out, err = ask(
        [
            "Stichting De Bomen",
            "De Eik",
            "12ABC",  # refused, asked again
            "12AB",
            "",  # no city
            "Lea de Leider",
            "lea@",  # refused, asked again
            "lea@de-eik.nl",
            "Otto Verhoeven",
            "lea@de-eik.nl",  # the leadership: refused, asked again
            "fg@de-bomen.nl",
            "",  # the contact address: the leadership's, offered as the default
            "",  # the label: versie <this year>
        ]
    )
    assert "'12ABC' is not a BRIN code" in err
    assert "'lea@' is not an email address" in err
    assert "must be someone other than the school leadership" in err
    assert "This password is too short" in err and "The passwords do not match" in err
    assert "Set up De Eik" in out
    school = School.objects.get()
    assert (school.city, school.contact_email) == ("", "lea@de-eik.nl")
    assert User.objects.get(email="lea@de-eik.nl").check_password(LEADERSHIP_PASSWORD)
    assert User.objects.get(email="fg@de-bomen.nl").check_password(OFFICER_PASSWORD)
    assert LeafletVersion.objects.get().label.startswith("versie 20")


def test_in_a_terminal_the_only_board_is_the_default_and_its_officer_is_kept(
    db, passwords, typed_passwords
):
    run_setup(passwords)
    typed_passwords += [LEADERSHIP_PASSWORD, LEADERSHIP_PASSWORD]
    answers = ["", "De Beuk", "34CD", "Bas Beuk", "bas@de-beuk.nl", "", ""]
    out, err = ask(answers, "--brin", "12AB", "--city", "Amersfoort")
    assert "BRIN 12AB is already school 'De Eik'" in err  # a flag is checked, then asked again
    assert "City" not in out  # a good flag is not asked
    assert "Board (an existing board's name or id, or a new board's name) [Stichting" in out
    assert "The board's privacy officer stays Otto Verhoeven <fg@de-bomen.nl>." in out
    assert School.objects.get(brin="34CD", city="Amersfoort").board == Board.objects.get()


def test_stopping_half_way_stores_nothing(db, typed_passwords):
    with pytest.raises(CommandError, match="Set-up cancelled: nothing was stored."):
        ask(["Stichting De Bomen", "De Eik", "12AB"])
    assert set(stored().values()) == {0}


def test_without_a_terminal_it_says_to_use_no_input(db):
    with pytest.raises(CommandError, match="give --no-input and the answers as flags"):
        call_command("setup", stdin=io.StringIO("Stichting\n"))
