"""Absolute links for mail, from CONSENTRY_BASE_URL (a mail has no request to build them from)."""

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def base_url() -> str:
    return (getattr(settings, "CONSENTRY_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def absolute_url(name: str, *args) -> str:
    return base_url() + reverse(name, args=args)


def sign_in_url() -> str:
    """The sign-in page (settings.LOGIN_URL, a URL name or a path)."""
    return base_url() + resolve_url(settings.LOGIN_URL)
