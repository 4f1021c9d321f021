from django.conf import settings
from django.utils import translation


def language_after_sign_in(request, user) -> str | None:
    """The language to switch to on sign-in: the person's own, unless this browser chose one.

    A choice made with the language switch (Django's language cookie) is respected; without
    one the pages follow `User.preferred_language`, the language the school's mail uses too.
    None: keep the browser's choice.
    """
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return None
    return user.preferred_language


def remember_language(response, language: str) -> None:
    """Set the language cookie as Django's set_language view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def switch_language_on_sign_in(request, user, response):
    language = language_after_sign_in(request, user)
    if language:
        translation.activate(language)
        remember_language(response, language)
    return response
