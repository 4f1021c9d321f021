from django.conf import settings
from django.utils import translation

# The language picked with the switch before signing in (on the sign-in page), in the
# session: Django keeps a session's data when someone signs in, and drops it on signing out,
# so a choice made by the previous person at a shared computer is not taken for the next's.
CHOSEN_LANGUAGE_SESSION_KEY = "language_chosen_signed_out"


def remember_choice(request, language: str) -> None:
    """Someone not signed in picked a language: remember it for their sign-in."""
    if not request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.session[CHOSEN_LANGUAGE_SESSION_KEY] = language


def chosen_language(request) -> str | None:
    """The language picked on the sign-in pages in this session, if any."""
    session = getattr(request, "session", None)
    language = session.get(CHOSEN_LANGUAGE_SESSION_KEY) if session is not None else None
    return language if language in dict(settings.LANGUAGES) else None


def language_after_sign_in(request, user) -> str | None:
    """The language to switch to on sign-in, stored on the account when it was just picked.

    A language picked on the sign-in pages becomes the person's own (`User.preferred_language`,
    which the school's mail uses too): whoever reads the sign-in page in English wants the
    pages after it, and the next receipt, in English. Otherwise a choice this browser made
    earlier with the switch (Django's language cookie) is kept; without one the pages follow
    the person's own language. None: keep the browser's choice.
    """
    picked = chosen_language(request)
    if picked:
        del request.session[CHOSEN_LANGUAGE_SESSION_KEY]
        if user.preferred_language != picked:
            user.preferred_language = picked
            user.save(update_fields=["preferred_language"])
        return picked
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
