"""The sign-in pages: django-allauth's own views, at allauth's usual paths.

Left out on purpose: e-mail address management and e-mail confirmation (a person's address
is the school's record of them and comes with the roster import, which would undo a change
made here), social accounts and passkeys (not used). Sign-up stays, to say it is closed.
The second-factor pages live under /security/.

Every page answers GET and POST only: allauth's form views would treat PUT as POST (Django's
ProcessFormView) and answer other methods with the page.
"""

from allauth.account import views as account
from allauth.mfa.base import views as mfa
from allauth.mfa.recovery_codes import views as recovery_codes
from allauth.mfa.totp import views as totp
from django.urls import include, path, re_path
from django.views.decorators.http import require_http_methods

from . import views

get_or_post = require_http_methods(["GET", "POST"])


def page(route: str, view, name: str):
    return path(route, get_or_post(view), name=name)


urlpatterns = [
    page("login/", views.login, name="account_login"),
    page("login/code/", account.request_login_code, name="account_request_login_code"),
    page("login/code/confirm/", views.confirm_login_code, name="account_confirm_login_code"),
    page("logout/", account.logout, name="account_logout"),
    page("inactive/", account.account_inactive, name="account_inactive"),
    page("signup/", account.signup, name="account_signup"),
    page("reauthenticate/", account.reauthenticate, name="account_reauthenticate"),
    page(
        "reauthenticate/code/",
        views.request_reauthentication_code,
        name="account_request_reauthentication_code",
    ),
    page(
        "reauthenticate/code/confirm/",
        views.confirm_reauthentication_code,
        name="account_confirm_reauthentication_code",
    ),
    page("password/change/", account.password_change, name="account_change_password"),
    page("password/set/", account.password_set, name="account_set_password"),
    page("password/reset/", account.password_reset, name="account_reset_password"),
    page("password/reset/done/", account.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        get_or_post(account.password_reset_from_key),
        name="account_reset_password_from_key",
    ),
    page(
        "password/reset/key/done/",
        account.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    path(
        "security/",
        include(
            [
                page("", mfa.index, name="mfa_index"),
                page("authenticate/", mfa.authenticate, name="mfa_authenticate"),
                page("reauthenticate/", mfa.reauthenticate, name="mfa_reauthenticate"),
                page("totp/activate/", views.activate_totp, name="mfa_activate_totp"),
                page("totp/deactivate/", totp.deactivate_totp, name="mfa_deactivate_totp"),
                page(
                    "recovery-codes/",
                    recovery_codes.view_recovery_codes,
                    name="mfa_view_recovery_codes",
                ),
                page(
                    "recovery-codes/generate/",
                    recovery_codes.generate_recovery_codes,
                    name="mfa_generate_recovery_codes",
                ),
                page(
                    "recovery-codes/download/",
                    recovery_codes.download_recovery_codes,
                    name="mfa_download_recovery_codes",
                ),
            ]
        ),
    ),
]
