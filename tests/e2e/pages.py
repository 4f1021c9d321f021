"""What a person does in the browser: signing in, reading the consent states on a page.

Texts come from our own translations (`nl("Save")`), so a reworded Dutch string does not break
the tests; tests/test_translations.py makes sure every one of them is translated.
"""

import re
import time
from collections.abc import Callable

from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from .support import Mailbox, login_code, totp_for_typing

# How long a typed TOTP code must stay the current one: from typing it to the server's
# check. The tests' own bound for a page to answer (expect's timeout, conftest.py).
TOTP_TIME_TO_CHECK = 10

Check = Callable[[Page, str], None]


def nl(message: str, **values) -> str:
    """`message` as the Dutch pages show it; `values` fill its %(name)s placeholders."""
    with translation.override("nl"):
        text = translation.gettext(message)
    return text % values if values else text


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def sign_in_with_code(page: Page, email: str, mailbox: Mailbox, check: Check) -> None:
    """A guardian signs in: address, then the code that the worker mailed to it."""
    page.goto("/login/")
    check(page, "sign-in")
    since = mailbox.mark()
    page.locator("#id_code_email").fill(email)
    page.get_by_role("button", name=nl("Email me a sign-in code")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Enter your sign-in code"))
    check(page, "sign-in: enter the code")
    code = login_code(mailbox.wait_for(to=email, since=since))
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name=nl("Sign in")).click()
    expect(page.locator("input[name=code]")).to_have_count(0)


def sign_in_with_password(page: Page, email: str, password: str = "demo") -> None:
    page.goto("/login/")
    staff = page.get_by_role("region", name=nl("School staff: sign in with your password"))
    staff.locator("input[name=login]").fill(email)
    staff.locator("input[name=password]").fill(password)
    staff.get_by_role("button", name=nl("Sign in")).click()
    expect(page.locator("input[name=password]")).to_have_count(0)


def confirm_with_mailed_code(page: Page, email: str, mailbox: Mailbox, check: Check, who: str):
    """Before a first authenticator app: a code mailed to the address the school has (a
    password alone must not set one up). allauth then goes on to the set-up."""
    expect(page).to_have_url(re.compile(r"/reauthenticate/code/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Confirm it is you"))
    check(page, f"confirm with a mailed code ({who})")
    since = mailbox.mark()
    page.get_by_role("button", name=nl("Email me a code")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Enter the code from the mail"))
    check(page, f"confirm with a mailed code: enter the code ({who})")
    page.locator("input[name=code]").fill(login_code(mailbox.wait_for(to=email, since=since)))
    page.get_by_role("button", name=nl("Confirm")).click()


def enrol_totp(page: Page, check: Check, who: str) -> str:
    """On the set-up page that a leader is sent to: type the key into our 'app', turn on.
    Returns the secret, for signing in again later."""
    expect(page).to_have_url(re.compile(r"/security/totp/activate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Set up your authenticator app"))
    check(page, f"TOTP set-up, forced ({who})")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_for_typing(secret, time_to_check=TOTP_TIME_TO_CHECK))
    page.get_by_role("button", name=nl("Turn on")).click()
    expect(page).not_to_have_url(re.compile(r"/security/totp/activate/$"))
    check(page, f"TOTP turned on: recovery codes ({who})")
    return secret


def authenticate_totp(page: Page, secret: str) -> None:
    """The second step of a later sign-in. A code is good only once: if this one was used
    already, the next 30-second window brings a new one."""
    expect(page).to_have_url(re.compile(r"/security/authenticate/$"))
    for _attempt in range(2):
        page.locator("input[name=code]").fill(
            totp_for_typing(secret, time_to_check=TOTP_TIME_TO_CHECK)
        )
        page.locator("form").filter(has=page.locator("input[name=code]")).locator(
            "button[type=submit]"
        ).click()
        page.wait_for_load_state()
        if not page.url.endswith("/security/authenticate/"):
            return
        time.sleep(30.5 - time.time() % 30)
    raise AssertionError("The TOTP code was refused twice.")


def category_fieldset(page: Page, number: int) -> Locator:
    """One category's question on a child's page (with what counts now), or on a paper form."""
    return page.locator(f"fieldset#category-{number}, fieldset:has(input[name=category_{number}])")


def matrix_cell(page: Page, pupil: str, number: int) -> Locator:
    """The state shown in a group's matrix for one pupil and category."""
    table = page.locator("table.matrix")
    table.locator("thead").wait_for()  # all_inner_texts does not wait for a page to load
    headers = table.locator("thead th").all_inner_texts()
    column = next(i for i, h in enumerate(headers) if h.strip().startswith(f"{number}."))
    row = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=pupil))
    return row.locator("th, td").nth(column).locator(".state")


def state_word(state: str) -> str:
    """The word the pages show for a state, e.g. 'Nee' for no."""
    labels = {
        "yes": "yes",
        "no": "no",
        "unanswered": "unanswered",
        "conflict": "conflict",
        "never": "never photograph",
    }
    word = nl(labels[state])
    return word[:1].upper() + word[1:]


def expect_state(cell: Locator, state: str) -> None:
    """A state is a class (colour) and, for everyone who cannot see colour, an icon and a word."""
    expect(cell).to_have_class(re.compile(rf"\bstate-{state}\b"))
    expect(cell).to_contain_text(state_word(state))
