"""The sign-in pages: django-allauth's own views, at allauth's usual paths.

Left out on purpose: e-mail address management and e-mail confirmation (a person's address
is the school's record of them and comes with the roster import, which would undo a change
made here), social accounts and passkeys (not used). Sign-up stays, to say it is closed.
The second-factor pages live under /security/.
"""

from allauth.account import views as account
from allauth.mfa.base import views as mfa
from allauth.mfa.recovery_codes import views as recovery_codes
from allauth.mfa.totp import views as totp
from django.urls import include, path, re_path

from . import views

urlpatterns = [
    path("login/", views.login, name="account_login"),
    path("login/code/", account.request_login_code, name="account_request_login_code"),
    path("login/code/confirm/", views.confirm_login_code, name="account_confirm_login_code"),
    path("logout/", account.logout, name="account_logout"),
    path("inactive/", account.account_inactive, name="account_inactive"),
    path("signup/", account.signup, name="account_signup"),
    path("reauthenticate/", account.reauthenticate, name="account_reauthenticate"),
    path(
        "reauthenticate/code/",
        account.request_reauthentication_code,
        name="account_request_reauthentication_code",
    ),
    path(
        "reauthenticate/code/confirm/",
        account.confirm_reauthentication_code,
        name="account_confirm_reauthentication_code",
    ),
    path("password/change/", account.password_change, name="account_change_password"),
    path("password/set/", account.password_set, name="account_set_password"),
    path("password/reset/", account.password_reset, name="account_reset_password"),
    path("password/reset/done/", account.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        account.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    path(
        "security/",
        include(
            [
                path("", mfa.index, name="mfa_index"),
                path("authenticate/", mfa.authenticate, name="mfa_authenticate"),
                path("reauthenticate/", mfa.reauthenticate, name="mfa_reauthenticate"),
                path("totp/activate/", totp.activate_totp, name="mfa_activate_totp"),
                path("totp/deactivate/", totp.deactivate_totp, name="mfa_deactivate_totp"),
                path(
                    "recovery-codes/",
                    recovery_codes.view_recovery_codes,
                    name="mfa_view_recovery_codes",
                ),
                path(
                    "recovery-codes/generate/",
                    recovery_codes.generate_recovery_codes,
                    name="mfa_generate_recovery_codes",
                ),
                path(
                    "recovery-codes/download/",
                    recovery_codes.download_recovery_codes,
                    name="mfa_download_recovery_codes",
                ),
            ]
        ),
    ),
]
