"""The everyday flows of issue 3, in a real browser against the running demo: a guardian's
answer reaches the other guardian and the teacher; the leadership records a paper form and a
never-photograph flag, and the teacher sees it."""

import re

from django.utils import translation
from playwright.sync_api import expect

from consentry.demo.personas import PERSONA_EMAILS

from .pages import category_fieldset, expect_state, matrix_cell, nl

SANNE = PERSONA_EMAILS["guardian"]
MARK = PERSONA_EMAILS["other_guardian"]


def saved(count: int) -> str:
    with translation.override("nl"):
        return translation.ngettext(
            "Saved: %(count)s change.", "Saved: %(count)s changes.", count
        ) % {"count": count}


def test_a_guardians_refusal_reaches_both_guardians_and_the_teacher(
    sign_in, mailbox, consentry, assert_accessible, artifacts
):
    # Sanne signs in with the code from her mail, and opens Lotte's page.
    page = sign_in("guardian", fresh=True)
    expect(page).to_have_url(re.compile(r"/children/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("My children"))
    assert_accessible(page, "parent: my children")
    lotte = page.get_by_role("region", name="Lotte de Vries")
    lotte.get_by_role(
        "link", name=nl("View or change the answers for %(name)s", name="Lotte")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lotte de Vries")
    assert_accessible(page, "parent: child's page")
    lotte_url = page.url

    # She refuses category 4 (public communication) and saves.
    public = category_fieldset(page, 4)
    title = re.sub(r"^4\.\s*", "", public.locator("legend").inner_text()).strip()
    expect_state(public.locator(".now .state"), "yes")
    public.get_by_role("radio", name=nl("No"), exact=True).check()
    since = mailbox.mark()
    page.get_by_role("button", name=nl("Save")).click()

    expect(page.get_by_role("status")).to_contain_text(saved(1))
    expect_state(category_fieldset(page, 4).locator(".now .state"), "no")
    refused = category_fieldset(page, 4).get_by_role("radio", name=nl("No"), exact=True)
    expect(refused).to_be_checked()
    assert_accessible(page, "parent: child's page, saved")

    # Both guardians get a receipt from the worker: what changed, by whom, which leaflet.
    subject = nl("Receipt: consent for %(child)s changed", child="Lotte de Vries")
    for guardian in (SANNE, MARK):
        receipt = mailbox.wait_for(to=guardian, since=since, subject=subject)
        assert f"4. {title}: {nl('yes')} → {nl('no')}" in receipt.text, receipt.text
        assert "Sanne de Vries" in receipt.text
        assert "versie 2023" in receipt.text
        assert lotte_url in receipt.text  # the link back uses CONSENTRY_BASE_URL
    # The other category was not touched, so the receipt names only category 4.
    assert "\n- 1. " not in receipt.text

    # The history shows the decision, newest first.
    page.get_by_role("link", name=nl("History of decisions")).click()
    newest = page.locator("table.history tbody tr").first
    expect(newest).to_contain_text(f"4. {title}")
    expect(newest).to_contain_text(nl("No"))
    expect(newest).to_contain_text("Sanne de Vries")
    assert_accessible(page, "parent: history")

    # The teacher of Zonnebloem sees the refusal in the matrix ...
    teacher = sign_in("teacher")
    teacher.goto("/")
    expect(teacher).to_have_url(re.compile(r"/groups/$"))
    assert_accessible(teacher, "teacher: groups")
    group = teacher.get_by_role("region", name="Zonnebloem")
    group.get_by_role("link", name=nl("Consent matrix")).click()
    expect_state(matrix_cell(teacher, "Lotte de Vries", 4), "no")
    expect_state(matrix_cell(teacher, "Lotte de Vries", 1), "yes")
    assert_accessible(teacher, "teacher: matrix")
    teacher.screenshot(path=artifacts / "teacher-matrix.png", full_page=True)

    # ... and in "who may appear in category 4": not among those who may.
    teacher.get_by_role("link", name=f"4. {title}").click()
    expect(teacher.get_by_role("heading", level=2, name=f"4. {title}")).to_be_visible()
    may, may_not = teacher.locator("section.may"), teacher.locator("section.may-not")
    expect(may).not_to_contain_text("Lotte de Vries")
    expect(may_not.get_by_role("listitem").filter(has_text="Lotte de Vries")).to_contain_text(
        nl("no")
    )
    assert_accessible(teacher, "teacher: who may appear in category 4")

    # The printable A4 list for a trip says the same, without the site's navigation.
    teacher.get_by_role("link", name=nl("Printable version (A4)")).click()
    expect(teacher).to_have_url(re.compile(r"/print/\?category=4$"))
    expect(teacher.locator("section.may-not")).to_contain_text("Lotte de Vries")
    assert_accessible(teacher, "teacher: printable list, category 4")
    teacher.emulate_media(media="print")
    expect(teacher.locator(".site-header")).to_be_hidden()
    teacher.pdf(path=artifacts / "printable-list-category-4.pdf", format="A4")
    teacher.emulate_media(media="screen")
    teacher.get_by_role("link", name=nl("All categories")).click()
    expect(teacher.locator("table.print-matrix")).to_be_visible()
    assert_accessible(teacher, "teacher: printable list, all categories")


def test_leadership_records_a_paper_form_and_a_never_flag(
    sign_in, mailbox, assert_accessible, artifacts
):
    # Joost signs in with his password and must set up TOTP first (sign_in checks that).
    boss = sign_in("leadership", fresh=True)
    boss.goto("/")
    expect(boss).to_have_url(re.compile(r"/schools/\d+/$"))
    expect(boss.get_by_role("heading", level=1)).to_have_text("De Loofhut")
    assert_accessible(boss, "leadership: school overview")
    overview_url = boss.url

    boss.get_by_role("link", name=nl("Send reminders")).click()
    expect(boss).to_have_url(re.compile(r"/reminders/$"))
    assert_accessible(boss, "leadership: reminders")
    boss.goto(overview_url)
    boss.get_by_role("link", name=nl("Publish a new leaflet version")).click()
    expect(boss).to_have_url(re.compile(r"/leaflet/versions/$"))
    assert_accessible(boss, "leadership: leaflet versions")

    # A pupil of Zonnebloem (not Lotte) whose answers are incomplete: a paper form came in.
    boss.goto(overview_url)
    boss.get_by_role("link", name="Zonnebloem", exact=True).click()
    expect(boss.locator("table.matrix")).to_be_visible()  # before counting its rows
    rows = boss.locator("table.matrix tbody tr").filter(has_not=boss.locator(".never-tag"))
    row = rows.filter(has=boss.locator(".state-unanswered")).filter(has_not_text="Lotte de Vries")
    row = row.first if row.count() else rows.filter(has_not_text="Lotte de Vries").first
    pupil = row.get_by_role("rowheader").inner_text().strip()
    row.get_by_role("link", name=pupil).click()
    expect(boss.get_by_role("heading", level=1)).to_have_text(pupil)

    boss.get_by_role("link", name=nl("Record a paper form")).click()
    expect(boss).to_have_url(re.compile(r"/paper-form/$"))
    assert_accessible(boss, "leadership: paper form")
    signer = boss.locator("select[name=signed_by] option").first.inner_text().strip()
    category_fieldset(boss, 1).get_by_role("radio", name=nl("Yes"), exact=True).check()
    category_fieldset(boss, 4).get_by_role("radio", name=nl("No"), exact=True).check()
    note = "Papieren formulier ingeleverd op de ouderavond van 3 maart"
    boss.get_by_label(nl("How was consent obtained?")).fill(note)
    since = mailbox.mark()
    boss.get_by_role("button", name=nl("Record")).click()
    expect(boss.get_by_role("status")).to_contain_text(nl("The paper form has been recorded."))
    expect_state(category_fieldset(boss, 4).locator(".now .state"), "no")

    # The guardians get a receipt; the history names the signer, the recorder and the note.
    mailbox.wait_for(since=since, subject=nl("Receipt: consent for %(child)s changed", child=pupil))
    boss.get_by_role("link", name=nl("History of decisions")).click()
    newest = boss.locator("table.history tbody tr").first
    expect(newest).to_contain_text(signer)
    expect(newest).to_contain_text("Joost van Dijk")
    expect(newest).to_contain_text(note)
    boss.go_back()

    # Then a never-photograph flag, with a reason.
    boss.get_by_role("link", name=nl("Never-photograph flag")).click()
    expect(boss).to_have_url(re.compile(r"/never-flag/$"))
    assert_accessible(boss, "leadership: never-photograph flag")
    reason = "Pleeggezin: het kind mag niet herkenbaar in beeld"
    boss.get_by_label(nl("Reason (seen only by the school leadership)")).fill(reason)
    boss.get_by_role("button", name=nl("Set the flag")).click()
    flag_set = nl("The never-photograph flag has been set.")
    expect(boss.get_by_role("status")).to_contain_text(flag_set)

    # The overview lists the pupil as never, with the reason (seen only here).
    boss.goto(overview_url)
    never = boss.locator("#never + ul")
    expect(never.get_by_role("listitem").filter(has_text=pupil)).to_contain_text(reason)

    # The teacher sees the pupil as never in every category, impossible to miss; not why.
    teacher = sign_in("teacher")
    teacher.goto("/groups/")
    teacher.get_by_role("region", name="Zonnebloem").get_by_role(
        "link", name=nl("Consent matrix")
    ).click()
    row = teacher.locator("table.matrix tbody tr").filter(
        has=teacher.get_by_role("rowheader", name=pupil)
    )
    expect(row.locator(".never-tag")).to_contain_text(nl("Never photograph"))
    for number in (1, 4, 8):
        expect_state(matrix_cell(teacher, pupil, number), "never")
    expect(teacher.locator("body")).not_to_contain_text(reason)
    teacher.get_by_role("link", name=re.compile(r"^1\. ")).click()
    banner = teacher.locator(".never-banner")
    expect(banner).to_contain_text(pupil)
    expect(teacher.locator("section.may")).not_to_contain_text(pupil)
    assert_accessible(teacher, "teacher: who may appear in category 1, with a never flag")
    expect(teacher.locator("body")).not_to_contain_text(reason)


def test_reminders_go_out_through_the_worker_at_most_once_a_week(
    sign_in, mailbox, assert_accessible
):
    boss = sign_in("leadership")
    boss.goto("/")
    boss.get_by_role("link", name=nl("Send reminders")).click()
    now = boss.locator("#now + ul > li")
    due = int(re.search(r"\d+", now.first.inner_text()).group())
    assert due > 0, "The demo has unanswered pupils, so someone should be reminded"

    since = mailbox.mark()
    boss.get_by_role("button", name=nl("Send reminders")).click()
    with translation.override("nl"):
        on_its_way = translation.ngettext(
            "A reminder is on its way to %(count)s guardian.",
            "Reminders are on their way to %(count)s guardians.",
            due,
        ) % {"count": due}
        skipped = translation.ngettext(
            "%(counter)s guardian is skipped: already reminded in the last 7 days.",
            "%(counter)s guardians are skipped: already reminded in the last 7 days.",
            due,
        ) % {"counter": due}
    expect(boss.get_by_role("status")).to_contain_text(on_its_way)

    # Right after sending, the page shows what was sent (not the plan from before): every
    # reminder in the log, nobody left to remind, and within the week nobody gets a second.
    expect(boss.locator("table tbody tr")).to_have_count(min(due, 100))
    expect(now.nth(1)).to_contain_text(skipped)
    expect(boss.get_by_role("button", name=nl("Send reminders"))).to_have_count(0)
    expect(boss.locator("main")).to_contain_text(nl("Nobody needs a reminder now."))
    assert_accessible(boss, "leadership: reminders, after sending")

    # The worker sends one mail per guardian (all their children in it), each one logged.
    subject = nl("Reminder from %(school)s: your answer about photos and data", school="De Loofhut")
    reminders = mailbox.wait_for_all(count=due, since=since, subject=subject)
    recipients = [address for mail in reminders for address in mail.recipients]
    assert len(set(recipients)) == len(recipients) == due


def test_a_privacy_officer_must_set_up_totp_too(sign_in):
    """sign_in checks that she lands on the TOTP set-up and sets it up; then she is in."""
    officer = sign_in("privacy_officer")
    officer.goto("/")
    expect(officer).not_to_have_url(re.compile(r"/security/"))
    expect(officer.get_by_role("heading", level=1)).to_be_visible()
