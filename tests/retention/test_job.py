"""The daily retention job destroys what has expired, and only that, with time moved forward."""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.retention import registry, services
from consentry.retention.models import RetentionPolicy
from consentry.roster.models import RosterImport
from consentry.schools.models import Pupil
from tests.retention.helpers import give_history, mark_left, moment

LEFT = date(2025, 6, 30)  # the last day of a school year
DAY = timedelta(days=1)
LAST_DAY_KEPT = date(2027, 6, 30)  # two years after leaving


def run_rule(name: str, day: date, *, dry_run: bool = False) -> services.RuleRun:
    [rule_run] = [r for r in services.run(now=moment(day), dry_run=dry_run) if r.rule.name == name]
    return rule_run


def destroyed_entries(rule: str) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(action="retention.destroyed")
    return [entry for entry in entries if entry.data["rule"] == rule]


@pytest.fixture
def left_pupils(world):
    """Emma left two years ago plus a day (at the job's moment below); Noah a day later."""
    mark_left(give_history(world), LEFT)
    mark_left(world.noah, LEFT + 2 * DAY)
    return world


def test_a_record_is_erased_the_day_after_two_years_and_not_before(left_pupils):
    world = left_pupils
    assert run_rule("pupil.left", LAST_DAY_KEPT).due == []
    assert Pupil.objects.filter(pk=world.emma.pk).exists()

    rule_run = run_rule("pupil.left", LAST_DAY_KEPT + DAY)  # Emma: 2 years + 1 day
    assert [item.pk for item in rule_run.due] == [world.emma.pk]
    assert not Pupil.objects.filter(pk=world.emma.pk).exists()
    assert Pupil.objects.filter(pk=world.noah.pk).exists()  # Noah: 2 years - 1 day
    assert rule_run.counts["schools.pupil"] == 1
    assert rule_run.counts["consent.consentevent"] == 3


def test_a_pupil_still_at_school_is_never_erased(world):
    give_history(world)
    for years in (2, 10, 50):
        assert run_rule("pupil.left", date(2026 + years, 1, 1)).due == []
    assert Pupil.objects.filter(pk=world.emma.pk).exists()


def test_the_dry_run_destroys_nothing_and_lists_what_a_real_run_destroys(left_pupils):
    world = left_pupils
    audit_before = AuditEntry.objects.count()
    day = LAST_DAY_KEPT + 3 * DAY  # both have expired
    dry = run_rule("pupil.left", day, dry_run=True)
    assert Pupil.objects.filter(pk__in=[world.emma.pk, world.noah.pk]).count() == 2
    assert AuditEntry.objects.count() == audit_before
    assert dry.counts == Counter()

    real = run_rule("pupil.left", day)
    assert [item.pk for item in real.due] == [item.pk for item in dry.due]
    assert {item.pk for item in real.due} == {world.emma.pk, world.noah.pk}


def test_each_destruction_is_in_the_audit_trail_with_its_rule(left_pupils):
    world = left_pupils
    run_rule("pupil.left", LAST_DAY_KEPT + 3 * DAY)
    [entry] = destroyed_entries("pupil.left")
    assert entry.actor_label == "retention job"
    assert entry.school_id == world.school.pk
    assert entry.data["what"] == "schools.pupil"
    assert sorted(entry.data["ids"]) == sorted([world.emma.pk, world.noah.pk])
    assert entry.data["counts"]["schools.pupil"] == 2
    assert "Emma" not in str(entry.data) and "Test" not in str(entry.data)  # ids, no names
    assert verify_chain() == (AuditEntry.objects.count(), None)


def test_running_twice_is_harmless(left_pupils):
    day = LAST_DAY_KEPT + 3 * DAY
    first = run_rule("pupil.left", day)
    entries = AuditEntry.objects.count()
    second = run_rule("pupil.left", day)
    assert len(first.due) == 2
    assert second.due == []
    assert AuditEntry.objects.count() == entries


def test_the_configured_period_is_honoured(left_pupils, settings):
    world = left_pupils
    settings.RETENTION_LEFT_PUPIL_YEARS = 3
    assert run_rule("pupil.left", LAST_DAY_KEPT + 3 * DAY).due == []
    assert [i.pk for i in run_rule("pupil.left", date(2028, 7, 1)).due] == [world.emma.pk]


def test_a_school_may_keep_records_longer_or_shorter(left_pupils):
    world = left_pupils
    RetentionPolicy.objects.create(school=world.school, left_pupil_years=1)
    assert [i.pk for i in run_rule("pupil.left", date(2026, 7, 1)).due] == [world.emma.pk]
    other = mark_left(world.other_pupil, LEFT)
    RetentionPolicy.objects.create(school=world.other_school, left_pupil_years=5)
    assert other.pk not in [i.pk for i in run_rule("pupil.left", date(2029, 1, 1)).due]


def test_a_held_pupil_is_kept_and_the_dry_run_says_why(left_pupils):
    world = left_pupils
    registry.register_hold(lambda pupil: "Research about them runs." if pupil == world.emma else "")
    dry = run_rule("pupil.left", LAST_DAY_KEPT + 3 * DAY, dry_run=True)
    assert [(i.pk, i.kept) for i in dry.kept] == [(world.emma.pk, "Research about them runs.")]
    run_rule("pupil.left", LAST_DAY_KEPT + 3 * DAY)
    assert Pupil.objects.filter(pk=world.emma.pk).exists()
    assert not Pupil.objects.filter(pk=world.noah.pk).exists()


def test_old_mail_is_deleted_after_a_year(world, settings):
    settings.RETENTION_MAIL_DAYS = 365
    old = queue_mail("a@example.nl", "Old", "Emma said yes", kind="receipt", pupil=world.emma)
    new = queue_mail("b@example.nl", "New", "Emma said no", kind="receipt", pupil=world.emma)
    OutgoingMail.objects.filter(pk=old.pk).update(created_at=timezone.now() - 366 * DAY)
    rule_run = run_rule("mail.sent", timezone.localdate())
    assert [i.pk for i in rule_run.due] == [old.pk]
    assert list(OutgoingMail.objects.values_list("pk", flat=True)) == [new.pk]
    assert destroyed_entries("mail.sent")[0].data["ids"] == [old.pk]


def test_deleting_mail_takes_the_same_queries_for_3_or_30(world):
    def queries_for(count: int) -> int:
        OutgoingMail.objects.all().delete()
        for n in range(count):
            queue_mail(f"p{n}@example.nl", "Receipt", "Text", kind="receipt", school=world.school)
        later = timezone.now() + 400 * DAY
        with CaptureQueriesContext(connection) as queries:
            services.run(now=later)
        assert not OutgoingMail.objects.exists()
        return len([q for q in queries if "mail_outgoingmail" in q["sql"]])

    assert queries_for(3) == queries_for(30) == 2  # one SELECT, one DELETE


def test_a_roster_upload_loses_its_roster_and_names_after_30_days(world):
    upload = RosterImport.objects.create(
        school=world.school,
        kind="edex",
        status="pending",
        filename="export.xml",
        sha256="0" * 64,
        payload={"pupils": ["Emma Test"]},
        summary={"pupils": {"created": 1}, "details": {"pupils_created": ["Emma Test"]}},
    )
    assert run_rule("roster.upload", timezone.localdate() + 29 * DAY).due == []
    run_rule("roster.upload", timezone.localdate() + 31 * DAY)
    upload.refresh_from_db()
    assert (upload.payload, upload.status) == (None, "discarded")
    assert upload.summary == {"pupils": {"created": 1}}  # the counts stay
    assert run_rule("roster.upload", timezone.localdate() + 60 * DAY).due == []


def test_a_failing_rule_rolls_back_alone(left_pupils):
    def broken(items):
        Pupil.objects.all().delete()  # would be a disaster if it stayed
        raise RuntimeError("disk full")

    now = LAST_DAY_KEPT + 3 * DAY
    registry.register_rule(
        registry.Rule(
            name="test.broken",
            what="schools.pupil",
            description=lambda: "broken",
            expired=lambda now: [registry.Item(left_pupils.emma.pk, left_pupils.school.pk)],
            destroy=broken,
        )
    )
    runs = {r.rule.name: r for r in services.run(now=moment(now))}
    assert runs["test.broken"].error == "RuntimeError: disk full"
    assert not destroyed_entries("test.broken")
    assert Pupil.objects.filter(pk=left_pupils.other_pupil.pk).exists()  # rolled back
    assert runs["pupil.left"].error == ""  # the real rule still did its work


def test_the_command_with_time_moved_forward(left_pupils, monkeypatch):
    world = left_pupils
    monkeypatch.setattr(timezone, "now", lambda: moment(LAST_DAY_KEPT + DAY))
    out = StringIO()
    with translation.override("en"):  # the output is in the command's language (Dutch)
        call_command("retention", "--dry-run", stdout=out)
    expected = f"would destroy schools.pupil #{world.emma.pk} (school {world.school.pk})"
    assert expected in out.getvalue()
    assert f"#{world.noah.pk}" not in out.getvalue()
    assert "Dry run: nothing was changed." in out.getvalue()
    assert Pupil.objects.filter(pk=world.emma.pk).exists()

    out = StringIO()
    with translation.override("en"):
        call_command("retention", stdout=out)
    assert f"destroyed schools.pupil #{world.emma.pk}" in out.getvalue()
    assert not Pupil.objects.filter(pk=world.emma.pk).exists()
    assert "Emma" not in out.getvalue()  # operators' logs get ids, not names


def test_the_command_fails_loudly_when_a_rule_fails(world):
    def broken(items):
        raise RuntimeError("disk full")

    registry.register_rule(
        registry.Rule(
            name="test.broken",
            what="schools.pupil",
            description=lambda: "broken",
            expired=lambda now: [registry.Item(1, None)],
            destroy=broken,
        )
    )
    with pytest.raises(CommandError, match="test.broken"):
        call_command("retention", stdout=StringIO(), stderr=StringIO())


def test_the_worker_task_runs_the_job(left_pupils, monkeypatch):
    from consentry.retention.tasks import apply_retention

    monkeypatch.setattr(timezone, "now", lambda: moment(LAST_DAY_KEPT + DAY))
    result = apply_retention.enqueue()
    assert result.return_value == 1
    assert not Pupil.objects.filter(pk=left_pupils.emma.pk).exists()
