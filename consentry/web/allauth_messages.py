"""django-allauth's messages that Consentry translates itself, so that Dutch says "u".

allauth's own Dutch says "je" ("Je bent nu ingelogd als ..."), while every other Dutch text
in Consentry says "u". Django looks a message up in the catalogues of LOCALE_PATHS before
those of the installed apps, so the Dutch in `consentry/locale` wins for these msgids.
`makemessages` only keeps msgids it finds in our code: hence this list, which nothing calls.
It holds the messages that can reach someone here (the sign-in, password and security pages
in `accounts/urls.py`, allauth's messages and notification mail); pages whose whole text we
write ourselves are templates in `consentry/templates/account` and `mfa`.

The strings must stay exactly as allauth writes them (newlines and placeholders included):
`tests/i18n/test_formal_dutch.py` checks that each one is still one of allauth's msgids.
"""

from django.utils.translation import gettext_noop as _

MESSAGES = (
    # account/adapter.py
    _("The email address and/or password you specified are not correct."),
    _("Please type your current password."),
    _("Be patient, you are sending too many requests."),
    _("Use your password"),
    # account/forms.py
    _("You must type the same password each time."),
    # mfa/adapter.py
    _("You cannot deactivate two-factor authentication."),
    _("You cannot generate recovery codes without having two-factor authentication enabled."),
    _("You cannot activate two-factor authentication until you have verified your email address."),
    # templates/account/email/base_notification.txt
    _("You are receiving this mail because the following change was made to your account:"),
    _(
        "If you do not recognize this change then please take proper security precautions "
        "immediately. The change to your account originates from:\n\n- IP address: %(ip)s\n- "
        "Browser: %(user_agent)s\n- Date: %(timestamp)s"
    ),
    # templates/account/email/password_changed_message.txt, password_reset_message.txt,
    # password_set_message.txt
    _("Your password has been changed."),
    _("Your password has been reset."),
    _("Your password has been set."),
    # templates/account/email/password_reset_key_message.txt
    _(
        "You're receiving this email because you or someone else has requested a password "
        "reset for your user account.\nIt can be safely ignored if you did not request a "
        "password reset. Click the link below to reset your password."
    ),
    # templates/account/logout.html
    _("Are you sure you want to sign out?"),
    # templates/account/messages/logged_in.txt, logged_out.txt, password_set.txt
    _("Successfully signed in as %(name)s."),
    _("You have signed out."),
    _("Password successfully set."),
    # templates/mfa/recovery_codes/generate.html
    _("You are about to generate a new set of recovery codes for your account."),
    _("Are you sure?"),
    # templates/mfa/totp/deactivate_form.html
    _("You are about to deactivate authenticator app based authentication. Are you sure?"),
)
