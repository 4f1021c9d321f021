"""Consentry's own error pages (400, 403, 404, 500 and the CSRF failure), in the page's
language and layout, with DEBUG off as in production. The 500 page is drawn without a
request: no database queries, no menu (either may be what failed)."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import translation
from django.views.defaults import server_error


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a crafted request")


def broken(request):
    raise RuntimeError("something broke")


urlpatterns = [
    path("test/forbidden/", forbidden),
    path("test/suspicious/", suspicious),
    path("test/broken/", broken),
    path("", include("consentry.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def browser(language: str, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    client.cookies["django_language"] = language
    return client


def in_our_layout(html: str) -> bool:
    return '<header class="site-header">' in html and "/static/consentry/site.css" in html


@pytest.mark.parametrize(
    "language, title",
    [("nl", "Pagina niet gevonden"), ("en", "Page not found")],
)
def test_a_missing_page(db, language, title):
    response = browser(language).get("/no-such-page/")
    assert response.status_code == 404
    assert in_our_layout(response.text) and f"<h1>{title}</h1>" in response.text
    assert f'<html lang="{language}">' in response.text


def test_another_schools_pupil_is_a_missing_page_in_our_layout(world):
    client = browser("nl")
    client.force_login(world.parent)
    response = client.get(f"/pupils/{world.other_pupil.pk}/")
    assert response.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in response.text
    assert "Uitloggen" in response.text  # the menu, for someone signed in


@pytest.mark.parametrize("language, title", [("nl", "Geen toegang"), ("en", "No access")])
def test_forbidden(db, language, title):
    response = browser(language).get("/test/forbidden/")
    assert response.status_code == 403
    assert in_our_layout(response.text) and f"<h1>{title}</h1>" in response.text


def test_a_bad_request(db):
    response = browser("nl").get("/test/suspicious/")
    assert response.status_code == 400
    assert "<h1>Er klopte iets niet aan het verzoek</h1>" in response.text


@pytest.mark.parametrize(
    "language, title", [("nl", "Er ging iets mis"), ("en", "Something went wrong")]
)
def test_a_server_error(world, language, title):
    client = browser(language)
    client.force_login(world.teacher)
    response = client.get("/test/broken/")
    assert response.status_code == 500
    assert in_our_layout(response.text) and f"<h1>{title}</h1>" in response.text
    assert f'<html lang="{language}">' in response.text
    assert "something broke" not in response.text
    assert "<nav" not in response.text and "Teacher of Zon" not in response.text  # no menu


def test_the_server_error_page_needs_no_database():
    """No `db` fixture: any query would raise here."""
    with translation.override("nl"):
        response = server_error(RequestFactory().get("/"))
    assert "<h1>Er ging iets mis</h1>" in response.content.decode()


@pytest.mark.parametrize(
    "language, title", [("nl", "Dit formulier is verlopen"), ("en", "This form has expired")]
)
def test_a_form_without_its_csrf_token(db, language, title):
    client = browser(language, enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert in_our_layout(response.text) and f"<h1>{title}</h1>" in response.text
    assert "CSRF" not in response.text
