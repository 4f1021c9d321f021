"""Browser tests: Playwright drives Debian's Chromium against Consentry running for real.

Once per test session: an SMTP server on loopback (aiosmtpd, in this process), then
`consentry demo` in a temporary directory (migrate and seed a fresh SQLite file, then the web
server and the real worker, which sends all mail to that SMTP server), and one browser.
Every test gets its own browser contexts (cookies, viewport, language).

Without Chromium the tests skip with one clear reason, and the run's summary says so. With
CONSENTRY_E2E_REQUIRED=1 (as .ci/run sets it) any skip here is a failure instead.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consentry.demo.personas import PERSONA_EMAILS

from . import pages
from .support import (
    AXE_TAGS,
    CHROMIUM_MISSING,
    DESKTOP,
    FAILING_IMPACTS,
    AxeReport,
    Consentry,
    Mailbox,
    axe_source,
    describe_violations,
    find_chromium,
    free_port,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("CONSENTRY_E2E_REQUIRED", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(os.environ.get("CONSENTRY_E2E_ARTIFACTS") or PROJECT_DIR / "var" / "e2e-artifacts")


_state: dict = {"server": None, "skipped": None, "axe_summary": None}


# --- Skipping, and refusing to skip in CI --------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    """The browser's path; every other fixture here needs it, so nothing starts without it."""
    path = find_chromium()
    if path is None:
        if REQUIRED:
            pytest.fail(f"{CHROMIUM_MISSING}. CONSENTRY_E2E_REQUIRED=1: they must run.", False)
        _state["skipped"] = CHROMIUM_MISSING
        pytest.skip(CHROMIUM_MISSING)
    return path


_reports_key = pytest.StashKey[dict]()


def pytest_collection_modifyitems(items):
    """Every test here is marked e2e, so that `-m "not e2e"` leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    if REQUIRED and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped, but CONSENTRY_E2E_REQUIRED=1 forbids skipping: {reason}"
    server = _state["server"]
    if report.failed and server is not None:
        report.sections.append(("consentry demo: web server and worker log", server.log_tail()))
    return report


def pytest_terminal_summary(terminalreporter):
    if _state["skipped"]:
        terminalreporter.write_sep("!", "browser tests SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(_state["skipped"])
    if _state["axe_summary"]:
        terminalreporter.write_line(f"axe-core summary: {_state['axe_summary']}")


# --- The system under test -------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots and the axe summary: var/e2e-artifacts/, or CONSENTRY_E2E_ARTIFACTS.
    failures/ holds a screenshot of each page of a failed test, from this run only."""
    shutil.rmtree(ARTIFACTS / "failures", ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def mailbox(chromium) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def consentry(chromium, mailbox, tmp_path_factory) -> Iterator[Consentry]:
    server = Consentry(tmp_path_factory.mktemp("consentry"), mailbox.port)
    try:
        server.wait_until_ready()
        server.wait_until_idle()  # the seed's background jobs done: mail is not held up
        _state["server"] = server
        yield server
    finally:
        _state["server"] = None
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # a slow CI machine under load, not a hung page
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        yield browser
        browser.close()


# --- Pages -----------------------------------------------------------------------------------


@pytest.fixture
def new_context(browser, consentry, request, artifacts) -> Iterator[Callable]:
    """new_context(viewport=..., mobile=False, storage_state=None): a fresh browser context
    on Consentry in Dutch (as a Dutch parent's browser asks for). The test fails when a page
    throws a JavaScript error or the Content Security Policy blocks something."""
    contexts = []
    problems: list[str] = []

    def make(*, viewport: dict = DESKTOP, mobile: bool = False, storage_state=None):
        context = browser.new_context(
            base_url=consentry.base_url,
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
            viewport=viewport,
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=2 if mobile else 1,
            storage_state=storage_state,
        )
        context.set_default_timeout(10_000)
        context.on("page", lambda page: _watch(page, problems))
        contexts.append(context)
        return context

    yield make
    reports = request.node.stash.get(_reports_key, {})
    if any(r.failed for r in reports.values()):
        failures = artifacts / "failures"
        failures.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]", "_", request.node.name)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                page.screenshot(path=failures / f"{name}-{i}-{j}.png", full_page=True)
    for context in contexts:
        context.close()
    assert not problems, "The browser reported problems:\n" + "\n".join(problems)


def _watch(page, problems: list[str]) -> None:
    def console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))


# --- Accessibility -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_report(artifacts) -> Iterator[AxeReport]:
    report = AxeReport()
    yield report
    if report.pages:
        _state["axe_summary"] = report.write(artifacts)


@pytest.fixture(scope="session")
def assert_accessible(axe_report) -> Callable:
    """assert_accessible(page, name): run axe-core (WCAG 2.0-2.2 A and AA rules) on the page
    as it is now; fail on any violation, whatever its impact. Every check goes in the summary."""
    source = axe_source()

    def check(page, name: str) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # evaluate runs outside the page's CSP, so our CSP can stay on in these tests.
            page.evaluate(source)
        result = page.evaluate(
            "async tags => { const r = await axe.run(document,"
            " {runOnly: {type: 'tag', values: tags}}); return {violations: r.violations,"
            " passes: r.passes.length, version: r.testEngine.version}; }",
            AXE_TAGS,
        )
        lang = page.evaluate("() => document.documentElement.lang")
        axe_report.add(name, page.url, lang, result["violations"], result["passes"])
        axe_report.version = result["version"]
        failing = [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
        assert not failing, f"axe-core: violations on {name} ({page.url}):\n" + describe_violations(
            failing
        )

    return check


# --- People ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sessions() -> dict:
    """Per persona, the browser state right after the real sign-in, and the TOTP secrets."""
    return {"states": {}, "secrets": {}}


@pytest.fixture
def sign_in(new_context, mailbox, assert_accessible, _sessions) -> Callable:
    """sign_in(persona, fresh=False, **context options) -> a page, signed in as a persona.

    The first time in a session (or with fresh=True) this is the real sign-in: guardians by
    the code the worker mails, staff by password, leadership and privacy officers also by
    TOTP (set up on the spot the first time, as they are made to, after a code mailed to
    them). After that a new context reuses the cookies from then: allauth lets an address
    ask for only three codes a minute.
    """

    def open_as(persona: str, *, fresh: bool = False, **options):
        email = PERSONA_EMAILS[persona]
        state = None if fresh else _sessions["states"].get(persona)
        context = new_context(storage_state=state, **options)
        page = context.new_page()
        if state is not None:
            return page
        if persona in GUARDIANS:
            pages.sign_in_with_code(page, email, mailbox, assert_accessible)
        else:
            pages.sign_in_with_password(page, email)
            if persona in MUST_USE_TOTP and persona in _sessions["secrets"]:
                pages.authenticate_totp(page, _sessions["secrets"][persona])
            elif persona in MUST_USE_TOTP:
                pages.confirm_with_mailed_code(page, email, mailbox, assert_accessible, persona)
                secret = pages.enrol_totp(page, assert_accessible, persona)
                _sessions["secrets"][persona] = secret
        _sessions["states"][persona] = context.storage_state()
        return page

    return open_as


GUARDIANS = {"guardian", "other_guardian", "separated_parent"}
MUST_USE_TOTP = {"leadership", "privacy_officer"}
