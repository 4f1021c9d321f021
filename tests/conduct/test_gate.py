"""An intern's or visitor's account opens nothing until they acknowledged the current rules."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import get_resolver
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.conduct.middleware import ALLOWED_URL_NAMES
from consentry.conduct.models import Acknowledgement, PrivacyRules
from consentry.conduct.services import needs_acknowledgement
from consentry.schools.models import StaffRole
from tests.access.test_every_url import _reverse, _url_kwargs, _walk
from tests.conduct.conftest import signed_in
from tests.conduct.helpers import publish_rules
from tests.world import make_leaflet, make_user

ACKNOWLEDGE = "/conduct/acknowledge/"


def today():
    return timezone.localdate()


def period(start_days: int = 0, end_days: int = 90, **extra) -> dict[str, str]:
    start, end = today() + timedelta(days=start_days), today() + timedelta(days=end_days)
    return {"period_from": start.isoformat(), "period_to": end.isoformat(), **extra}


def acknowledgement_form(rules: PrivacyRules, **changes) -> dict[str, str]:
    return {**period(), "keeps_rules": "on", "version": str(rules.pk), **changes}


def current(school) -> PrivacyRules:
    rules = PrivacyRules.objects.current_for(school)
    assert rules is not None
    return rules


def test_without_acknowledgement_every_other_page_leads_to_the_acknowledgement(world, new_intern):
    """Checked on every URL pattern, GET and POST, so a new page cannot forget the gate."""
    client = signed_in(new_intern)
    kwargs = _url_kwargs(world, make_leaflet(world.school, label="versie 2027"))
    audit = AuditEntry.objects.count()
    for _route, name in _walk(get_resolver()):
        url = _reverse(name, kwargs)
        for response in (client.get(url), client.post(url)):
            location = urlsplit(response.get("Location", "")).path
            if name in ALLOWED_URL_NAMES:
                assert location != ACKNOWLEDGE, name
            else:
                assert location == ACKNOWLEDGE, name
        client.force_login(new_intern)  # the logout probe signed them out
    assert AuditEntry.objects.count() == audit


def test_while_waiting_one_can_still_sign_out_and_switch_language(world, new_intern):
    client = signed_in(new_intern)
    response = client.post("/i18n/setlang/", {"language": "nl", "next": ACKNOWLEDGE})
    assert response["Location"] == ACKNOWLEDGE
    assert client.get(ACKNOWLEDGE).status_code == 200
    assert client.post("/logout/")["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_after_acknowledging_the_intern_has_the_access_of_an_intern(world, new_intern):
    client = signed_in(new_intern)
    rules = current(world.school)
    assert client.get("/")["Location"] == ACKNOWLEDGE
    page = client.get(ACKNOWLEDGE).text
    assert rules.label in page and rules.text_en in page
    assert "I have read these rules and will keep them." in page

    response = client.post(ACKNOWLEDGE, acknowledgement_form(rules))
    assert response["Location"] == ACKNOWLEDGE
    assert "You acknowledged" in client.get(ACKNOWLEDGE).text

    # As before: the world's intern, who acknowledged, gets exactly the same answers.
    for path in (
        "/",
        "/groups/",
        f"/groups/{world.group.pk}/",
        f"/pupils/{world.emma.pk}/",
        f"/schools/{world.school.pk}/",
        "/api/v1/groups",
    ):
        assert client.get(path).status_code == signed_in(world.intern).get(path).status_code
    assert client.get("/").status_code == 200
    assert client.get(f"/pupils/{world.emma.pk}/").status_code == 404


def test_the_acknowledgement_records_who_what_when_and_is_audited(world, new_intern):
    rules = current(world.school)
    signed_in(new_intern).post(ACKNOWLEDGE, acknowledgement_form(rules, **period(-2, 60)))
    ack = Acknowledgement.objects.get(user=new_intern)
    assert (ack.school, ack.rules, ack.name, ack.role) == (
        world.school,
        rules,
        "New intern",
        "intern",
    )
    assert (ack.period_from, ack.period_to) == (today() - timedelta(2), today() + timedelta(60))
    assert (ack.channel, ack.recorded_by) == ("web", new_intern)
    assert timezone.now() - ack.acknowledged_at < timedelta(minutes=1)
    entry = AuditEntry.objects.filter(action="conduct.acknowledged").latest("sequence")
    assert (entry.actor_id, entry.object_id, entry.school_id) == (
        new_intern.pk,
        str(ack.pk),
        world.school.pk,
    )
    assert entry.data["rules_id"] == rules.pk and "New intern" not in str(entry.data)


def test_a_new_rules_version_closes_the_gate_again(world):
    client = signed_in(world.intern)
    assert client.get("/").status_code == 200
    newer = publish_rules(world.school, world.leadership, label="Regels 2027")

    assert client.get("/")["Location"] == ACKNOWLEDGE
    page = client.get(ACKNOWLEDGE).text
    assert "Regels 2027" in page
    client.post(ACKNOWLEDGE, acknowledgement_form(newer))
    assert client.get("/").status_code == 200


def test_when_the_period_has_ended_the_gate_closes_again(world, new_intern):
    rules = current(world.school)
    Acknowledgement.objects.create(
        school=world.school,
        rules=rules,
        user=new_intern,
        name="New intern",
        role="intern",
        period_from=today() - timedelta(days=30),
        period_to=today() - timedelta(days=1),
        recorded_by=new_intern,
        channel="web",
    )
    assert signed_in(new_intern).get("/")["Location"] == ACKNOWLEDGE
    # The world's intern acknowledged for a year from today: the day after, closed again.
    assert not needs_acknowledgement(world.intern, today() + timedelta(days=365))
    assert needs_acknowledgement(world.intern, today() + timedelta(days=366))


def test_the_period_must_include_today_and_last_a_year_at_most(world, new_intern):
    client = signed_in(new_intern)
    rules = current(world.school)
    for dates, error in (
        (period(1, 30), "The period must include today."),
        (period(-5, -10), "The end of the period cannot be before its start."),
        (period(0, 400), "A period is a year at most"),
    ):
        response = client.post(ACKNOWLEDGE, acknowledgement_form(rules, **dates))
        assert response.status_code == 200 and error in response.text
    response = client.post(ACKNOWLEDGE, acknowledgement_form(rules, keeps_rules=""))
    assert "Tick this box to acknowledge the rules." in response.text
    assert not Acknowledgement.objects.filter(user=new_intern).exists()
    assert client.get("/")["Location"] == ACKNOWLEDGE


def test_a_tampered_version_id_changes_nothing(world, new_intern):
    """The other school's rules, or an older version of one's own, are not what was shown."""
    other = publish_rules(world.other_school, world.other_leadership, label="Andere regels")
    older = current(world.school)
    publish_rules(world.school, world.leadership, label="Regels 2027")
    client = signed_in(new_intern)
    audit = AuditEntry.objects.count()
    for version in (other, older):
        response = client.post(ACKNOWLEDGE, acknowledgement_form(version))
        assert response.status_code == 200
        assert "These rules have changed while you were reading" in response.text
    assert not Acknowledgement.objects.filter(user=new_intern).exists()
    assert AuditEntry.objects.count() == audit
    assert client.get("/")["Location"] == ACKNOWLEDGE


def test_a_visitor_account_waits_too(world):
    visitor = make_user("visitor@example.nl", "Visitor")
    StaffRole.objects.create(
        user=visitor, board=world.board, school=world.school, role=StaffRole.Role.VISITOR
    )
    client = signed_in(visitor)
    assert client.get("/groups/")["Location"] == ACKNOWLEDGE
    client.post(ACKNOWLEDGE, acknowledgement_form(current(world.school)))
    assert Acknowledgement.objects.get(user=visitor).role == "visitor"
    assert client.get("/groups/").status_code == 200


def test_without_published_rules_nobody_takes_part(world):
    """Default deny: a school that has not published rules yet keeps its interns out."""
    intern = make_user("intern@other.nl", "Intern elsewhere")
    StaffRole.objects.create(
        user=intern, board=world.other_board, school=world.other_school, role="intern"
    )
    client = signed_in(intern)
    assert client.get("/")["Location"] == ACKNOWLEDGE
    response = client.get(ACKNOWLEDGE)
    assert "has not published its privacy rules yet" in response.text
    client.post(ACKNOWLEDGE, acknowledgement_form(current(world.school)))
    assert not Acknowledgement.objects.filter(user=intern).exists()
    assert client.get("/")["Location"] == ACKNOWLEDGE


def test_an_intern_at_two_schools_acknowledges_both(world, new_intern):
    StaffRole.objects.create(
        user=new_intern, board=world.other_board, school=world.other_school, role="intern"
    )
    other = publish_rules(world.other_school, world.other_leadership, label="Andere regels")
    client = signed_in(new_intern)
    client.post(ACKNOWLEDGE, acknowledgement_form(current(world.school)))
    assert client.get("/")["Location"] == ACKNOWLEDGE
    assert "Andere regels" in client.get(ACKNOWLEDGE).text
    client.post(ACKNOWLEDGE, acknowledgement_form(other))
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("who", ["parent", "teacher", "leadership", "privacy_officer"])
def test_other_people_never_meet_the_gate(world, who):
    user = getattr(world, who)
    assert not needs_acknowledgement(user, today())
    assert signed_in(user).get(ACKNOWLEDGE).status_code == 404


def test_the_gate_and_the_acknowledgement_page_take_few_queries(
    world, new_intern, django_assert_max_num_queries
):
    client = signed_in(world.teacher)
    with django_assert_max_num_queries(1):
        needs_acknowledgement(world.teacher, today())
    client = signed_in(world.intern)
    with django_assert_max_num_queries(3):
        needs_acknowledgement(world.intern, today())
    assert client.get("/").status_code == 200


def test_a_guardian_who_is_also_an_intern_keeps_the_family_pages(world):
    """The rules bind an intern as intern, not as parent."""
    StaffRole.objects.create(
        user=world.parent, board=world.board, school=world.school, role=StaffRole.Role.INTERN
    )
    client = signed_in(world.parent)
    assert client.get("/children/").status_code == 200
    assert client.get(f"/pupils/{world.emma.pk}/").status_code == 200
    assert client.get(f"/groups/{world.group.pk}/")["Location"] == ACKNOWLEDGE


def test_someone_who_needs_totp_and_an_acknowledgement_gets_both_in_turn(world):
    """Leadership at one school, intern at another: first TOTP, then the rules; no loop."""
    StaffRole.objects.create(
        user=world.other_leadership,
        board=world.board,
        school=world.school,
        role=StaffRole.Role.INTERN,
    )
    world.other_leadership.authenticator_set.all().delete()
    client = signed_in(world.other_leadership)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    # home → TOTP set-up → "confirm it is you" with a mailed code (a first app needs one)
    assert [url for url, _status in response.redirect_chain] == [
        "/security/totp/activate/",
        "/reauthenticate/code/?next=%2Fsecurity%2Ftotp%2Factivate%2F",
    ]
