"""The REST API: token auth scoped to one school, session auth scoped like the pages."""

import json
import re
from datetime import date

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consentry.api.models import ApiToken
from consentry.audit.models import AuditEntry
from consentry.consent import services as consent
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.schools.models import Group, Guardianship, Pupil
from tests.world import CATEGORY_NUMBERS, World, make_pupil

API = "/api/v1"
SECRET_REASON = "Custody order of 3 March, do not publish"


def token_client(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, path: str, body) -> "object":
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def stored() -> tuple[int, int, int]:
    return ConsentEvent.objects.count(), NeverFlagEvent.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def token(world: World) -> str:
    return ApiToken.issue(world.school, "photo gate")[1]


@pytest.fixture
def other_token(world: World) -> str:
    return ApiToken.issue(world.other_school, "other website")[1]


@pytest.fixture
def other_group(world: World) -> Group:
    """A group at the other board's school, with its pupil in it."""
    group = Group.objects.create(school=world.other_school, name="Ster", school_year="2026-2027")
    world.other_pupil.group = group
    world.other_pupil.save()
    return group


# Token auth


def test_token_sees_its_schools_groups_and_pupils(world, token, other_group):
    client = token_client(token)
    response = client.get(f"{API}/groups")
    assert response.status_code == 200
    assert {g["name"] for g in response.json()} == {"Zon", "Maan"}
    assert {g["school_id"] for g in response.json()} == {world.school.pk}

    response = client.get(f"{API}/groups/{world.group.pk}/pupils")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [world.emma.pk]

    response = client.get(f"{API}/pupils/{world.noah.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["given_name"], body["group_id"]) == (
        world.noah.pk,
        "Noah",
        world.other_group.pk,
    )
    assert sorted(int(n) for n in body["consent"]) == CATEGORY_NUMBERS


def test_token_gets_404_for_another_schools_groups_and_pupils(world, token, other_group):
    client = token_client(token)
    assert client.get(f"{API}/groups/{other_group.pk}/pupils").status_code == 404
    assert client.get(f"{API}/pupils/{world.other_pupil.pk}").status_code == 404
    # ...and the other school's token the other way round.
    client = token_client(ApiToken.issue(world.other_school, "theirs")[1])
    assert [g["id"] for g in client.get(f"{API}/groups").json()] == [other_group.pk]
    assert client.get(f"{API}/pupils/{world.emma.pk}").status_code == 404
    assert client.get(f"{API}/groups/{world.group.pk}/pupils").status_code == 404


def test_token_marks_its_last_use(world, token):
    row = ApiToken.objects.get()
    assert row.last_used_at is None
    assert token_client(token).get(f"{API}/groups").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cst_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwdw==",
        "cst_without_the_bearer_word",
    ],
)
def test_bad_token_is_401(world, token, header):
    client = Client(headers={"Authorization": header})
    for path in ("/groups", f"/pupils/{world.emma.pk}", f"/groups/{world.group.pk}/pupils"):
        assert client.get(f"{API}{path}").status_code == 401, path
    response = post_json(client, "/check", {"category": 4, "pupil_ids": [world.emma.pk]})
    assert response.status_code == 401


def test_the_token_must_be_sent_as_is(world, token):
    assert token_client(token.upper()).get(f"{API}/groups").status_code == 401
    assert token_client(token + "x").get(f"{API}/groups").status_code == 401
    assert token_client(token).get(f"{API}/groups").status_code == 200


def test_revoked_token_is_401(world, token):
    ApiToken.objects.update(revoked_at=timezone.now())
    client = token_client(token)
    assert client.get(f"{API}/groups").status_code == 401
    assert client.get(f"{API}/pupils/{world.emma.pk}").status_code == 401
    response = post_json(client, "/check", {"category": 4, "pupil_ids": [world.emma.pk]})
    assert response.status_code == 401


def test_only_a_hash_of_the_token_is_stored(world, token):
    row = ApiToken.objects.get()
    assert token.startswith("cst_")
    assert token not in row.token_hash
    assert ApiToken.objects.authenticate(token) == row


def test_token_cannot_decide(world, token):
    """Deciding is for a signed-in person: a token gets a 401 that says so, not the CSRF
    failure that a browser without its CSRF token gets (the check a real server makes)."""
    before = stored()
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    response = post_json(client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"4": True}})
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Only a signed-in guardian (or a pupil of 16 or older) can decide; "
        "API tokens cannot."
    }
    assert stored() == before


@pytest.mark.parametrize("header", ["Bearer cst_not-a-real-token", "cst_without_the_bearer_word"])
def test_a_bad_token_is_told_so_and_never_gets_a_csrf_failure(world, token, header):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": header})
    response = post_json(client, "/check", {"category": 4, "pupil_ids": [world.emma.pk]})
    assert response.status_code == 401
    assert "The API token is not valid or has been revoked" in response.json()["detail"]
    response = post_json(client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"4": True}})
    assert (response.status_code, "API tokens cannot" in response.json()["detail"]) == (401, True)


def test_a_browser_behind_a_proxys_basic_auth_keeps_its_session(world):
    """Only a token is refused on a session operation: HTTP Basic may come from a proxy."""
    client = Client(headers={"Authorization": "Basic dXNlcjpwdw=="})
    client.force_login(world.parent)
    response = post_json(client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"4": True}})
    assert response.status_code == 200


# Session auth: the persona rules


@pytest.mark.parametrize(
    ("persona", "group_names", "pupil_names"),
    [
        ("parent", set(), {"Emma"}),
        ("other_parent", set(), {"Emma"}),
        ("another_parent", set(), {"Noah"}),
        ("teacher", {"Zon"}, {"Emma"}),
        ("other_teacher", {"Maan"}, {"Noah"}),
        ("leadership", {"Zon", "Maan"}, {"Emma", "Noah"}),
        ("privacy_officer", {"Zon", "Maan"}, {"Emma", "Noah"}),
        ("intern", set(), set()),
        ("other_leadership", {"Ster"}, {"Olaf"}),
    ],
)
def test_session_auth_follows_the_persona_rules(
    world, other_group, persona, group_names, pupil_names
):
    client = session_client(getattr(world, persona))
    groups = client.get(f"{API}/groups").json()
    assert {g["name"] for g in groups} == group_names
    seen = set()
    for pupil in (world.emma, world.noah, world.other_pupil):
        response = client.get(f"{API}/pupils/{pupil.pk}")
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            seen.add(response.json()["given_name"])
    assert seen == pupil_names
    for group in (world.group, world.other_group, other_group):
        response = client.get(f"{API}/groups/{group.pk}/pupils")
        assert response.status_code == (200 if group.name in group_names else 404), group


def test_anonymous_gets_401(world):
    client = Client()
    assert client.get(f"{API}/groups").status_code == 401
    assert client.get(f"{API}/pupils/{world.emma.pk}").status_code == 401
    assert (
        post_json(client, "/check", {"category": 4, "pupil_ids": [world.emma.pk]}).status_code
        == 401
    )
    response = post_json(client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"4": True}})
    assert response.status_code == 401


def test_session_posts_need_the_csrf_token(world):
    """A signed-in browser is not a token: a cross-site form must not decide for a parent."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.parent)
    before = stored()
    response = post_json(client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"4": True}})
    assert response.status_code == 403
    assert stored() == before


# Consent states per category


def test_group_pupils_show_consent_per_category(world, token):
    consent.decide(world.parent, world.emma, {4: True, 6: False})
    consent.decide(world.other_parent, world.emma, {4: False})
    response = token_client(token).get(f"{API}/groups/{world.group.pk}/pupils")
    assert response.status_code == 200
    [emma] = response.json()
    states = {int(n): v["state"] for n, v in emma["consent"].items()}
    assert states == {1: "unanswered", 2: "unanswered", 3: "unanswered", 4: "conflict",
                      6: "no", 7: "unanswered", 8: "unanswered"}  # fmt: skip
    assert emma["consent"]["4"]["allowed"] is False
    assert emma["consent"]["4"]["reason"] == "guardians_disagree"
    assert emma["consent"]["6"]["reason"] == "refused"
    assert emma["consent"]["1"]["reason_text"]


def test_group_pupils_leave_out_pupils_who_left(world, token):
    world.emma.left_on = date(2026, 1, 1)
    world.emma.save()
    response = token_client(token).get(f"{API}/groups/{world.group.pk}/pupils")
    assert response.json() == []


@pytest.mark.parametrize("caller", ["token", "teacher", "leadership", "privacy_officer"])
def test_never_flag_shows_as_never_without_its_reason(world, token, caller):
    consent.decide(world.parent, world.emma, {4: True})
    consent.set_never_flag(world.leadership, world.emma, active=True, reason=SECRET_REASON)
    client = token_client(token) if caller == "token" else session_client(getattr(world, caller))
    for path in (f"/groups/{world.group.pk}/pupils", f"/pupils/{world.emma.pk}"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 200
        body = response.json()
        emma = body[0] if isinstance(body, list) else body
        assert {v["state"] for v in emma["consent"].values()} == {"never"}
        assert {v["reason"] for v in emma["consent"].values()} == {"never_photograph"}
        assert not any(v["allowed"] for v in emma["consent"].values())
        assert SECRET_REASON not in response.content.decode()
        assert "Custody" not in response.content.decode()
    response = post_json(client, "/check", {"category": 4, "pupil_ids": [world.emma.pk]})
    assert response.json()[0]["state"] == "never"
    assert SECRET_REASON not in response.content.decode()


def test_guardian_does_not_see_the_never_flag_on_pupil_endpoints(world):
    """The flag is the school's business: guardians see what the answers say (see
    consent_overview's docstring), through the API as on their pages."""
    consent.decide(world.parent, world.emma, {4: True})
    consent.set_never_flag(world.leadership, world.emma, active=True, reason=SECRET_REASON)
    client = session_client(world.parent)
    response = client.get(f"{API}/pupils/{world.emma.pk}")
    assert response.status_code == 200
    states = {v["state"] for v in response.json()["consent"].values()}
    assert "never" not in states
    assert response.json()["consent"]["4"]["state"] == "yes"
    response = post_json(client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"6": True}})
    assert response.status_code == 200
    assert "never" not in {v["state"] for v in response.json()["consent"].values()}
    assert SECRET_REASON not in response.content.decode()


def test_guardian_does_not_learn_of_the_never_flag_through_check(world):
    consent.decide(world.parent, world.emma, {4: True})
    consent.set_never_flag(world.leadership, world.emma, active=True, reason=SECRET_REASON)
    response = post_json(
        session_client(world.parent), "/check", {"category": 4, "pupil_ids": [world.emma.pk]}
    )
    assert response.status_code == 404  # the check is for staff and the school's systems
    assert "never" not in response.content.decode()


def test_parent_who_is_staff_elsewhere_does_not_see_their_childs_never_flag(world):
    Guardianship.objects.create(
        guardian=world.other_teacher, pupil=world.emma, has_parental_authority=True
    )
    consent.set_never_flag(world.leadership, world.emma, active=True, reason=SECRET_REASON)
    client = session_client(world.other_teacher)
    # The page hides it...
    page = client.get(f"/pupils/{world.emma.pk}/")
    assert page.status_code == 200
    assert "state-never" not in page.content.decode()
    # ...and so must the API.
    response = client.get(f"{API}/pupils/{world.emma.pk}")
    assert response.status_code == 200
    assert "never" not in {v["state"] for v in response.json()["consent"].values()}


# POST /check


def test_check_gives_allowed_state_and_reason_per_pupil(world, token):
    consent.decide(world.parent, world.emma, {4: True})
    response = post_json(
        token_client(token), "/check", {"category": 4, "pupil_ids": [world.noah.pk, world.emma.pk]}
    )
    assert response.status_code == 200
    by_pupil = {r["pupil_id"]: r for r in response.json()}
    assert by_pupil[world.emma.pk] | {"reason_text": ""} == {
        "pupil_id": world.emma.pk, "allowed": True, "state": "yes",
        "reason": "consent_given", "reason_text": "",
    }  # fmt: skip
    assert by_pupil[world.noah.pk]["allowed"] is False
    assert by_pupil[world.noah.pk]["state"] == "unanswered"
    assert by_pupil[world.noah.pk]["reason"] == "no_answer"
    assert all(r["reason_text"] for r in response.json())


def test_check_for_an_unknown_category_is_400(world, token):
    before = stored()
    response = post_json(
        token_client(token), "/check", {"category": 5, "pupil_ids": [world.emma.pk]}
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "5" in detail
    assert world.leaflet.label in detail
    assert stored() == before


@pytest.mark.parametrize("caller", ["token", "leadership"])
def test_check_for_a_pupil_of_another_school_is_404(world, token, caller):
    client = token_client(token) if caller == "token" else session_client(world.leadership)
    before = stored()
    response = post_json(
        client, "/check", {"category": 4, "pupil_ids": [world.emma.pk, world.other_pupil.pk]}
    )
    assert response.status_code == 404
    assert str(world.other_pupil.pk) in response.json()["detail"]
    assert "Olaf" not in response.content.decode()
    assert stored() == before
    # A pupil id that does not exist at all answers the same: no existence leaks.
    response = post_json(client, "/check", {"category": 4, "pupil_ids": [999_999]})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "abc", "pupil_ids": [1]}, "category"),
        ({"category": 4}, "pupil_ids"),
        ({"category": 4, "pupil_ids": []}, "pupil_ids"),
        ({"category": 4, "pupil_ids": ["x"]}, "pupil_ids"),
        ({"pupil_ids": [1]}, "category"),
    ],
)
def test_check_with_a_malformed_body_is_422(world, token, body, field):
    before = stored()
    response = post_json(token_client(token), "/check", body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(field in error["loc"] for error in errors), errors
    assert all(error["msg"] for error in errors)
    assert stored() == before


def test_check_with_a_body_that_is_not_json_is_rejected(world, token):
    response = token_client(token).post(
        f"{API}/check", "category=4", content_type="application/json"
    )
    assert response.status_code in (400, 422)


def _many_pupils(world: World, count: int) -> list[int]:
    pupils = Pupil.objects.bulk_create(
        Pupil(
            school=world.school, group=world.group, pupil_number=f"9{i:05}", given_name=f"P{i}",
            family_name="Bulk", date_of_birth=date(2017, 1, 1),
        )
        for i in range(count)
    )  # fmt: skip
    ids = [p.pk for p in pupils]
    Guardianship.objects.bulk_create(
        Guardianship(guardian=world.parent, pupil_id=pupil_id, has_parental_authority=True)
        for pupil_id in ids[::7]
    )
    for pupil in pupils[:70:7]:  # ten pupils with a guardian's yes for category 4...
        consent.decide(world.parent, pupil, {4: True, 6: False})
    # ...one of whom the school flagged.
    consent.set_never_flag(world.leadership, pupils[7], active=True, reason="Safeguarding.")
    return ids


def test_check_for_1000_pupils_takes_a_fixed_number_of_queries(
    world, token, django_assert_max_num_queries
):
    ids = _many_pupils(world, 1000)
    client = token_client(token)
    with CaptureQueriesContext(connection) as ten:
        response = post_json(client, "/check", {"category": 4, "pupil_ids": ids[:10]})
    assert response.status_code == 200
    assert len(response.json()) == 10
    with django_assert_max_num_queries(16) as thousand:
        response = post_json(client, "/check", {"category": 4, "pupil_ids": ids})
    assert response.status_code == 200
    results = response.json()
    assert len(results) == 1000
    assert sum(r["allowed"] for r in results) == 9
    assert sum(r["state"] == "never" for r in results) == 1
    assert len(thousand.captured_queries) == len(ten.captured_queries)


# POST /pupils/{id}/decisions


def test_guardian_decides_through_the_api(world):
    client = session_client(world.parent)
    before_audit = AuditEntry.objects.count()
    response = post_json(
        client, f"/pupils/{world.emma.pk}/decisions", {"decisions": {"4": True, "6": False}}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == world.emma.pk
    assert body["consent"]["4"]["state"] == "yes"
    assert body["consent"]["6"]["state"] == "no"
    assert body["consent"]["1"]["state"] == "unanswered"
    events = list(ConsentEvent.objects.filter(pupil=world.emma).order_by("category_number"))
    assert [(e.category_number, e.given) for e in events] == [(4, True), (6, False)]
    assert {e.channel for e in events} == {ConsentEvent.Channel.API}
    assert {(e.actor, e.guardian, e.actor_role) for e in events} == {
        (world.parent, world.parent, ConsentEvent.ActorRole.GUARDIAN)
    }
    audits = AuditEntry.objects.filter(action="consent.recorded").order_by("sequence")
    assert AuditEntry.objects.count() == before_audit + 2
    assert {a.data["channel"] for a in audits} == {"api"}

    # The other guardian refuses: the state becomes conflict for both.
    response = post_json(
        session_client(world.other_parent),
        f"/pupils/{world.emma.pk}/decisions",
        {"decisions": {"4": False}},
    )
    assert response.status_code == 200
    assert response.json()["consent"]["4"]["state"] == "conflict"


def test_the_same_answer_again_records_nothing(world):
    client = session_client(world.parent)
    path = f"/pupils/{world.emma.pk}/decisions"
    assert post_json(client, path, {"decisions": {"4": True}}).status_code == 200
    before = stored()
    response = post_json(client, path, {"decisions": {"4": True}})
    assert response.status_code == 200
    assert response.json()["consent"]["4"]["state"] == "yes"
    assert stored() == before


@pytest.mark.parametrize("persona", ["teacher", "leadership", "privacy_officer"])
def test_staff_cannot_decide_through_the_api(world, persona):
    before = stored()
    response = post_json(
        session_client(getattr(world, persona)),
        f"/pupils/{world.emma.pk}/decisions",
        {"decisions": {"4": True}},
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert stored() == before


@pytest.mark.parametrize(
    "persona", ["another_parent", "other_teacher", "intern", "other_leadership"]
)
def test_who_cannot_see_the_pupil_gets_404_on_decide(world, persona):
    before = stored()
    response = post_json(
        session_client(getattr(world, persona)),
        f"/pupils/{world.emma.pk}/decisions",
        {"decisions": {"4": True}},
    )
    assert response.status_code == 404
    assert stored() == before


def test_guardian_without_parental_authority_cannot_decide(world):
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    before = stored()
    response = post_json(
        session_client(world.other_parent),
        f"/pupils/{world.emma.pk}/decisions",
        {"decisions": {"4": True}},
    )
    assert response.status_code == 403
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"decisions": {"5": True}}, 400),  # not a category of the leaflet
        ({"decisions": {}}, 400),  # nothing decided
        ({"decisions": {"abc": True}}, 422),
        ({"decisions": {"4": "maybe"}}, 422),
        ({}, 422),
    ],
)
def test_decide_with_a_bad_body(world, body, status):
    before = stored()
    response = post_json(session_client(world.parent), f"/pupils/{world.emma.pk}/decisions", body)
    assert response.status_code == status
    assert response.json()["detail"]
    assert stored() == before


def test_decide_for_a_pupil_of_sixteen_is_theirs(world):
    teen = make_pupil(world.school, world.group, "1003", "Tess", date_of_birth=date(2005, 1, 1))
    Guardianship.objects.create(guardian=world.parent, pupil=teen, has_parental_authority=True)
    before = stored()
    response = post_json(
        session_client(world.parent), f"/pupils/{teen.pk}/decisions", {"decisions": {"4": True}}
    )
    assert response.status_code == 400
    assert stored() == before


# The schema and the docs


def test_openapi_schema_lists_the_paths(world):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Consentry API"
    paths = schema["paths"]
    assert {
        "/api/v1/groups": {"get"},
        "/api/v1/groups/{group_id}/pupils": {"get"},
        "/api/v1/pupils/{pupil_id}": {"get"},
        "/api/v1/check": {"post"},
        "/api/v1/pupils/{pupil_id}/decisions": {"post"},
    } == {path: set(methods) for path, methods in paths.items()}
    schemes = schema["components"]["securitySchemes"]
    assert {"TokenAuth", "SessionAuth"} <= set(schemes)
    assert schemes["TokenAuth"]["scheme"] == "bearer"
    # The decisions endpoint takes a session only.
    decide_security = paths["/api/v1/pupils/{pupil_id}/decisions"]["post"]["security"]
    assert decide_security == [{"SessionAuth": []}]


def test_docs_page_loads(world):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "openapi.json" in html


def test_the_docs_use_our_own_swagger_files_which_the_csp_allows(world):
    """A CDN is blocked by our Content-Security-Policy (script-src 'self'): the page was blank."""
    response = Client().get(f"{API}/docs")
    html = response.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    for src in scripts:
        assert finders.find(src.removeprefix("/static/")), src
    assert "script-src 'self'" in response["Content-Security-Policy"]
