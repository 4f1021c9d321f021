"""Every URL of the project, with every persona: who gets what.

EXPECTED is the access decision for every URL pattern (and every API operation) of the
project, per persona. The test fails when a URL exists that the table does not mention (so a
new view cannot ship without someone deciding who may use it) and when the table mentions a
URL that no longer exists.

Each outcome is a status code, or (302, "/path/") for a redirect to that path (the query
string, such as login's ?next=, is not compared; {school}, {other_school} and {emma} are
filled in from the world).

The POST bodies are real requests that would change something (a consent, a paper form, a
never-photograph flag, a publication) if they were let through: every persona not in
WRITERS must change nothing, and every persona in WRITERS must change something (so the
probe is known to work). Each request runs in a savepoint that is rolled back afterwards,
so requests never see each other's effects.
"""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consentry.api.api import api
from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.leaflets.models import LeafletVersion
from consentry.roster.models import RosterImport
from tests.world import World, make_leaflet

PERSONAS = (
    "parent",
    "other_parent",
    "another_parent",
    "teacher",
    "other_teacher",
    "leadership",
    "privacy_officer",
    "intern",
    "other_leadership",
    "anonymous",
)

LOGIN = (302, "/login/")  # login_required: to the login page, with ?next=
HOME = (302, "/")  # the login page sends signed-in people home
KIDS = (302, "/children/")
GROUPS = (302, "/groups/")
OVERVIEW = (302, "/schools/{school}/")
PUPIL = (302, "/pupils/{emma}/")
VERSIONS = (302, "/schools/{school}/leaflet/versions/")


def row(*outcomes) -> dict[str, int | tuple[int, str]]:
    assert len(outcomes) == len(PERSONAS), f"a row needs {len(PERSONAS)} outcomes"
    return dict(zip(PERSONAS, outcomes, strict=True))


def everyone(outcome, anonymous=None) -> dict[str, int | tuple[int, str]]:
    return row(*[outcome] * (len(PERSONAS) - 1), outcome if anonymous is None else anonymous)


# fmt: off
EXPECTED: dict[tuple[str, str], dict[str, int | tuple[int, str]]] = {
    # Columns in PERSONAS order: parent, other_parent, another_parent, teacher, other_teacher,
    # leadership, privacy_officer, intern, other_leadership, anonymous.
    ("home", "GET"):             row(KIDS, KIDS, KIDS, GROUPS, GROUPS, OVERVIEW, OVERVIEW, 200,
                                    (302, "/schools/{other_school}/"), LOGIN),
    ("login", "GET"):            everyone(HOME, anonymous=200),
    ("login", "POST"):           everyone(HOME, anonymous=200),  # wrong password: form again
    ("logout", "GET"):           everyone(405),
    ("logout", "POST"):          everyone(LOGIN),
    ("demo_login", "GET"):       everyone(405),
    ("demo_login", "POST"):      everyone(404),  # DEMO_MODE off; see test_demo_login_...
    ("set_language", "GET"):     everyone((302, "/")),
    ("set_language", "POST"):    everyone((302, "/children/")),
    ("children", "GET"):         everyone(200, anonymous=LOGIN),  # only one's own children
    ("pupil_consent", "GET"):    row(200, 200, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("pupil_consent", "POST"):   row(PUPIL, PUPIL, 404, 403, 404, 403, 403, 404, 404, LOGIN),
    ("pupil_history", "GET"):    row(200, 200, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("paper_form", "GET"):       row(403, 403, 404, 403, 404, 200, 403, 404, 404, LOGIN),
    ("paper_form", "POST"):      row(403, 403, 404, 403, 404, PUPIL, 403, 404, 404, LOGIN),
    ("never_flag", "GET"):       row(403, 403, 404, 403, 404, 200, 403, 404, 404, LOGIN),
    ("never_flag", "POST"):      row(403, 403, 404, 403, 404, PUPIL, 403, 404, 404, LOGIN),
    ("group_list", "GET"):       everyone(200, anonymous=LOGIN),  # only the visible groups
    ("group_matrix", "GET"):     row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("school_overview", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("audit_trail", "GET"):      row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("roster_upload", "GET"):    row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_upload", "POST"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_preview", "GET"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_preview", "POST"):  row(404, 404, 404, 404, 404, 403, 404, 404, 404, LOGIN),
    ("roster_guardians", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_guardians_template", "GET"): everyone(200, anonymous=LOGIN),
    ("leaflet", "GET"):          everyone(200),  # the active leaflet is public
    ("leaflet_versions", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("publish_leaflet", "GET"):  everyone(405, anonymous=LOGIN),
    ("publish_leaflet", "POST"): row(404, 404, 404, 404, 404, VERSIONS, 404, 404, 404, LOGIN),
    # The API (django-ninja): anonymous callers get 401; the schema and the docs are public.
    ("api:api-root", "GET"):     everyone(404),
    ("api:openapi-json", "GET"): everyone(200),
    ("api:openapi-view", "GET"): everyone(200),
    ("api:list_groups", "GET"):  everyone(200, anonymous=401),  # only the visible groups
    ("api:group_pupils", "GET"): row(404, 404, 404, 200, 404, 200, 200, 404, 404, 401),
    ("api:pupil_detail", "GET"): row(200, 200, 404, 200, 404, 200, 200, 404, 404, 401),
    ("api:check", "GET"):        everyone(405),
    ("api:check", "POST"):       row(404, 404, 404, 200, 404, 200, 200, 404, 404, 401),
    ("api:decide", "GET"):       everyone(405),
    ("api:decide", "POST"):      row(200, 200, 404, 403, 404, 403, 403, 404, 404, 401),
}
# fmt: on

# Who may change data with the POST bodies below; everyone else must change nothing.
WRITERS: dict[tuple[str, str], set[str]] = {
    ("pupil_consent", "POST"): {"parent", "other_parent"},
    ("paper_form", "POST"): {"leadership"},
    ("never_flag", "POST"): {"leadership"},
    ("publish_leaflet", "POST"): {"leadership"},
    ("api:decide", "POST"): {"parent", "other_parent"},
}


def _url_kwargs(world: World, draft: LeafletVersion) -> dict[str, int]:
    return {
        "pupil_id": world.emma.pk,
        "group_id": world.group.pk,
        "school_id": world.school.pk,
        "version_id": draft.pk,
        "import_id": RosterImport.objects.create(
            school=world.school,
            kind="edex",
            status="pending",
            filename="x.xml",
            sha256="0" * 64,
            created_by=world.leadership,
        ).pk,
    }


def _form_body(name: str, world: World) -> dict[str, str]:
    """For the pages: a body that would change something if it were let through."""
    return {
        "login": {"username": world.parent.email, "password": "wrong"},
        "demo_login": {"persona": "guardian"},
        "set_language": {"language": "en", "next": "/children/"},
        "pupil_consent": {"category_4": "yes"},
        "paper_form": {"category_4": "no", "signed_by": str(world.parent.pk), "note": "Signed."},
        "never_flag": {"reason": "Safeguarding: do not photograph."},
        "publish_leaflet": {"material": "yes"},
    }.get(name, {})


def _json_body(name: str, world: World) -> dict:
    return {
        "api:check": {"category": 4, "pupil_ids": [world.emma.pk]},
        "api:decide": {"decisions": {"4": True}},
    }[name]


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            assert pattern.name, f"URL pattern {prefix}{pattern.pattern} has no name"
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name


def _reverse(name: str, kwargs: dict[str, int]) -> str:
    """The URL, with the pattern's kwargs filled in from the world."""
    route = {name: route for route, name in _walk(get_resolver())}[name]
    wanted = re.findall(r"<(?:\w+:)?(\w+)>", route)
    unknown = [key for key in wanted if key not in kwargs]
    assert not unknown, f"{name}: say in _url_kwargs which object fills {unknown}"
    return reverse(name, kwargs={key: kwargs[key] for key in wanted})


def _assert_table_covers_every_url() -> None:
    routes = dict(_walk(get_resolver()))  # route -> name
    names = set(routes.values())
    in_table = {name for name, _method in EXPECTED}
    assert not names - in_table, f"URL patterns without an access decision: {names - in_table}"
    assert not in_table - names, f"EXPECTED names URLs that no longer exist: {in_table - names}"
    assert not WRITERS.keys() - EXPECTED.keys(), "WRITERS names requests not in EXPECTED"
    # Each API operation, per method, from the OpenAPI schema.
    for path, operations in api.get_openapi_schema()["paths"].items():
        route = path.lstrip("/").replace("{", "<").replace("}", ">")
        assert route in routes, f"API path {path} is not among the URL patterns"
        for method in operations:
            key = (routes[route], method.upper())
            assert key in EXPECTED, f"API operation {method.upper()} {path} ({key}) not in EXPECTED"


def _snapshot():
    return (
        ConsentEvent.objects.count(),
        NeverFlagEvent.objects.count(),
        AuditEntry.objects.count(),
        sorted(LeafletVersion.objects.values_list("pk", "status")),
    )


def _check(response, expected, places: dict[str, int], what: str) -> None:
    if isinstance(expected, tuple):
        status, path = expected
        path = path.format(**places)
        location = response.get("Location", "")
        assert (response.status_code, urlsplit(location).path) == (status, path), (
            f"{what}: expected {status} to {path}, got {response.status_code} {location}"
        )
    else:
        assert response.status_code == expected, (
            f"{what}: expected {expected}, got {response.status_code}"
        )


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_with_every_persona(world, persona, settings):
    settings.DEMO_MODE = False
    _assert_table_covers_every_url()
    draft = make_leaflet(world.school, label="versie 2027")  # something to publish
    kwargs = _url_kwargs(world, draft)
    places = {
        "school": world.school.pk,
        "other_school": world.other_school.pk,
        "emma": world.emma.pk,
    }
    user = None if persona == "anonymous" else getattr(world, persona)
    failures = []
    for (name, method), outcomes in EXPECTED.items():
        url = _reverse(name, kwargs)
        what = f"{persona} {method} {url} ({name})"
        with transaction.atomic():
            client = Client()
            if user is not None:
                client.force_login(user)
            before = _snapshot()
            if method == "GET":
                response = client.get(url)
            elif name.startswith("api:"):
                body = json.dumps(_json_body(name, world))
                response = client.post(url, body, content_type="application/json")
            else:
                response = client.post(url, _form_body(name, world))
            after = _snapshot()
            transaction.set_rollback(True)
        try:
            _check(response, outcomes[persona], places, what)
            if persona in WRITERS.get((name, method), set()):
                assert after != before, f"{what}: the authorised request changed nothing"
            else:
                assert after == before, f"{what}: changed data ({before} -> {after})"
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)


def test_demo_login_only_in_demo_mode(world, settings, django_user_model):
    demo_guardian = django_user_model.objects.create_user("sanne.devries@example.nl", "pw")
    url = reverse("demo_login")

    settings.DEMO_MODE = False
    response = Client().post(url, {"persona": "guardian"})
    assert response.status_code == 404
    assert "_auth_user_id" not in Client().session

    settings.DEMO_MODE = True
    assert Client().get(url).status_code == 405
    assert Client().post(url, {"persona": "nobody"}).status_code == 404
    client = Client()
    response = client.post(url, {"persona": "guardian"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(demo_guardian.pk)
