"""Every URL of the project, with every persona: who gets what.

EXPECTED is the access decision for every URL pattern (and every API operation) of the
project, per persona. The test fails when a URL exists that the table does not mention (so a
new view cannot ship without someone deciding who may use it) and when the table mentions a
URL that no longer exists.

Each outcome is a status code, or (302, "/path/") for a redirect to that path (the query
string, such as login's ?next=, is not compared; {school}, {other_school}, {emma}, {photo},
{takedown} and {group} are filled in from the world).

The POST bodies are real requests that would change something (a consent, a paper form, a
never-photograph flag, a publication) if they were let through: every persona not in
WRITERS must change nothing, and every persona in WRITERS must change something (so the
probe is known to work). Each request runs in a savepoint that is rolled back afterwards,
so requests never see each other's effects.
"""

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consentry.api.api import api
from consentry.audit.models import AuditEntry
from consentry.breaches.models import Breach
from consentry.conduct.models import PrivacyRules
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.leaflets.models import LeafletVersion
from consentry.roster.models import RosterImport
from tests.adhoc.helpers import make_probe_request
from tests.albums.helpers import make_probe_newsletter, make_probe_release
from tests.albums.helpers import probe_form_bodies as album_form_bodies
from tests.photos.helpers import (
    make_probe_photo,
    make_probe_publication,
    make_probe_takedown,
    probe_form_bodies,
    probe_upload_body,
    small_jpeg,
    upload,
)
from tests.photos.parent_helpers import make_probe_share
from tests.processors.helpers import make_register
from tests.research.helpers import make_probe, probe_body
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
REMINDERS = (302, "/schools/{school}/reminders/")
ASK_CODE = (302, "/login/code/")  # no sign-in code is waiting: ask for one
REAUTH = (302, "/reauthenticate/")  # security settings: the password again first
CODE = (302, "/reauthenticate/code/")  # without an authenticator app: a mailed code instead
RULES = (302, "/conduct/schools/{school}/")
ACKNOWLEDGED = (302, "/conduct/schools/{school}/acknowledgements/")
PHOTOS = (302, "/groups/{group}/photos/")
TAGS = (302, "/photos/{photo}/faces/")
REVIEW = (302, "/photos/{photo}/review/")
TAKEDOWN = (302, "/takedowns/{takedown}/")
ALBUMS = (302, "/schools/{school}/albums/")
FEED = (302, "/schools/{school}/feed/")
MINE = (302, "/my-photos/")
SHARE = (302, "/photo-shares/{share}/")


def row(*outcomes) -> dict[str, int | tuple[int, str]]:
    assert len(outcomes) == len(PERSONAS), f"a row needs {len(PERSONAS)} outcomes"
    return dict(zip(PERSONAS, outcomes, strict=True))


def everyone(outcome, anonymous=None) -> dict[str, int | tuple[int, str]]:
    return row(*[outcome] * (len(PERSONAS) - 1), outcome if anonymous is None else anonymous)


def app_or_not(with_app, without_app) -> dict[str, int | tuple[int, str]]:
    """Leadership, privacy officer and other_leadership have an authenticator app."""
    return row(*[without_app] * 5, with_app, with_app, without_app, with_app, LOGIN)


# fmt: off
EXPECTED: dict[tuple[str, str], dict[str, int | tuple[int, str]]] = {
    # Columns in PERSONAS order: parent, other_parent, another_parent, teacher, other_teacher,
    # leadership, privacy_officer, intern, other_leadership, anonymous.
    ("home", "GET"):             row(KIDS, KIDS, KIDS, GROUPS, GROUPS, OVERVIEW, OVERVIEW, 200,
                                    (302, "/schools/{other_school}/"), LOGIN),
    # Sign-in (django-allauth: consentry/accounts/urls.py; its flows are tested in
    # tests/accounts). The sign-in pages send signed-in people home; a step that needs a
    # pending sign-in (a code) goes back to its start; security settings ask for the password
    # again first (REAUTH), as force_login records no sign-in.
    ("account_login", "GET"):    everyone(HOME, anonymous=200),
    ("account_login", "POST"):   everyone(HOME, anonymous=200),  # wrong password: form again
    ("account_request_login_code", "GET"):  everyone(HOME, anonymous=200),
    ("account_request_login_code", "POST"): everyone(HOME, anonymous=(302, "/login/code/confirm/")),
    ("account_confirm_login_code", "GET"):  everyone(HOME, anonymous=ASK_CODE),
    ("account_confirm_login_code", "POST"): everyone(HOME, anonymous=ASK_CODE),
    ("account_logout", "GET"):   everyone(200, anonymous=LOGIN),  # "sign out?" with a button
    ("account_logout", "POST"):  everyone(LOGIN),
    ("account_inactive", "GET"): everyone(200),  # "this account is inactive"
    ("account_signup", "GET"):   everyone(HOME, anonymous=200),  # "no sign-up needed"
    ("account_signup", "POST"):  everyone(HOME, anonymous=200),
    # The password confirms only who has an app; without one only a mailed code does (a
    # stolen password must not set up a first app: tests/accounts/test_password_and_totp.py).
    ("account_reauthenticate", "GET"):  app_or_not(200, CODE),
    ("account_reauthenticate", "POST"): app_or_not(200, CODE),  # wrong password
    ("account_request_reauthentication_code", "GET"): app_or_not(REAUTH, 200),
    ("account_confirm_reauthentication_code", "GET"): everyone((302, "/reauthenticate/code/"),
                                                               anonymous=LOGIN),
    ("account_change_password", "GET"):  everyone(200, anonymous=LOGIN),
    ("account_change_password", "POST"): everyone(200, anonymous=LOGIN),  # wrong old password
    ("account_set_password", "GET"):     everyone((302, "/password/change/"), anonymous=LOGIN),
    ("account_reset_password", "GET"):   everyone(200),
    ("account_reset_password", "POST"):  everyone((302, "/password/reset/done/")),  # a mail
    ("account_reset_password_done", "GET"): everyone(200),
    ("account_reset_password_from_key", "GET"):  everyone(200),  # "this link is not valid"
    ("account_reset_password_from_key", "POST"): everyone(200),
    ("account_reset_password_from_key_done", "GET"): everyone(200),
    ("mfa_index", "GET"):        everyone(200, anonymous=LOGIN),  # "Security"
    ("mfa_authenticate", "GET"): everyone(HOME, anonymous=LOGIN),  # no sign-in waits for it
    ("mfa_authenticate", "POST"): everyone(HOME, anonymous=LOGIN),
    ("mfa_reauthenticate", "GET"): app_or_not(200, CODE),  # only who has an authenticator app
    ("mfa_activate_totp", "GET"):  app_or_not(REAUTH, CODE),
    ("mfa_activate_totp", "POST"): app_or_not(REAUTH, CODE),
    ("mfa_deactivate_totp", "GET"):  row(404, 404, 404, 404, 404, REAUTH, REAUTH, 404, REAUTH,
                                         LOGIN),  # 404: has no app to turn off
    ("mfa_deactivate_totp", "POST"): row(404, 404, 404, 404, 404, REAUTH, REAUTH, 404, REAUTH,
                                         LOGIN),
    ("mfa_view_recovery_codes", "GET"):     everyone(404, anonymous=LOGIN),  # none made yet
    ("mfa_generate_recovery_codes", "GET"):  app_or_not(REAUTH, CODE),
    ("mfa_generate_recovery_codes", "POST"): app_or_not(REAUTH, CODE),
    ("mfa_download_recovery_codes", "GET"):  everyone(404, anonymous=LOGIN),
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
    ("group_may_appear", "GET"): row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("group_print", "GET"):      row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("school_overview", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("audit_trail", "GET"):      row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("roster_upload", "GET"):    row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_upload", "POST"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_preview", "GET"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_preview", "POST"):  row(404, 404, 404, 404, 404, 403, 404, 404, 404, LOGIN),
    ("roster_guardians", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_guardians_template", "GET"): everyone(200, anonymous=LOGIN),
    ("roster_authority", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    # The probe posts no guardianship: the leadership gets a 404, nobody else gets near it.
    ("roster_authority", "POST"): row(404, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("roster_own_consent", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("roster_own_consent", "POST"): row(404, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("leaflet", "GET"):          everyone(200),  # the active leaflet is public
    ("leaflet_pdf", "GET"):      everyone(200),
    # A published version stays public (tests/leaflets); the probe's version is a draft,
    # which only those who oversee the school may proofread.
    ("leaflet_version", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, 404),
    ("leaflet_version_pdf", "GET"): row(404, 404, 404, 404, 404, 200, 200, 404, 404, 404),
    ("leaflet_versions", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("publish_leaflet", "GET"):  everyone(405, anonymous=LOGIN),
    ("publish_leaflet", "POST"): row(404, 404, 404, 404, 404, VERSIONS, 404, 404, 404, LOGIN),
    ("new_leaflet_draft", "GET"): everyone(405, anonymous=LOGIN),
    ("new_leaflet_draft", "POST"): row(404, 404, 404, 404, 404, VERSIONS, 404, 404, 404, LOGIN),
    ("edit_leaflet_draft", "GET"): row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    # Edits a draft's texts (not in the snapshot, so leadership is not among WRITERS).
    ("edit_leaflet_draft", "POST"): row(404, 404, 404, 404, 404, VERSIONS, 404, 404, 404, LOGIN),
    ("send_reminders", "GET"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("send_reminders", "POST"):  row(404, 404, 404, 404, 404, REMINDERS, 404, 404, 404, LOGIN),
    ("demo_outbox", "GET"):      everyone(404),  # DEMO_MODE off; see tests/mail/test_outbox.py
    # Data breaches: anyone may report one; the school's leadership and the board's privacy
    # officer keep the register. The probe breach can be closed, so each POST writes.
    ("breach_report", "GET"):    everyone(200),
    ("healthz", "GET"):          everyone(200),
    ("breach_report", "POST"):   everyone((302, "/breaches/report/{school}/received/")),
    ("breach_received", "GET"):  everyone((302, "/breaches/report/{school}/")),  # no receipt
    ("breach_register", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("breach_detail", "GET"):    row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("breach_detail", "POST"):   row(404, 404, 404, 404, 404, 302, 302, 404, 404, LOGIN),
    ("breach_authority", "GET"): everyone(405, anonymous=LOGIN),
    ("breach_authority", "POST"): row(404, 404, 404, 404, 404, 302, 302, 404, 404, LOGIN),
    ("breach_close", "GET"):     everyone(405, anonymous=LOGIN),
    ("breach_close", "POST"):    row(404, 404, 404, 404, 404, 302, 302, 404, 404, LOGIN),
    # Processors and the processing register belong to a board: its privacy officer keeps
    # them, the leadership of its schools reads them (403 on a change), others get 404.
    ("processor_list", "GET"):     row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("processor_create", "GET"):   row(404, 404, 404, 404, 404, 403, 200, 404, 404, LOGIN),
    ("processor_create", "POST"):  row(404, 404, 404, 404, 404, 403, 302, 404, 404, LOGIN),
    ("processor_detail", "GET"):   row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("processor_edit", "GET"):     row(404, 404, 404, 404, 404, 403, 200, 404, 404, LOGIN),
    ("processor_edit", "POST"):    row(404, 404, 404, 404, 404, 403, 302, 404, 404, LOGIN),
    ("agreement_create", "GET"):   row(404, 404, 404, 404, 404, 403, 200, 404, 404, LOGIN),
    ("agreement_create", "POST"):  row(404, 404, 404, 404, 404, 403, 302, 404, 404, LOGIN),
    ("agreement_edit", "GET"):     row(404, 404, 404, 404, 404, 403, 200, 404, 404, LOGIN),
    ("agreement_edit", "POST"):    row(404, 404, 404, 404, 404, 403, 302, 404, 404, LOGIN),
    ("agreement_document", "GET"): row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("processing_register", "GET"): row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("processing_register_print", "GET"): row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("processing_register_csv", "GET"): row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("activity_create", "GET"):    row(404, 404, 404, 404, 404, 403, 200, 404, 404, LOGIN),
    ("activity_create", "POST"):   row(404, 404, 404, 404, 404, 403, 302, 404, 404, LOGIN),
    ("activity_edit", "GET"):      row(404, 404, 404, 404, 404, 403, 200, 404, 404, LOGIN),
    ("activity_edit", "POST"):     row(404, 404, 404, 404, 404, 403, 302, 404, 404, LOGIN),
    # Privacy rules for interns and visitors: the leadership and the privacy officer write,
    # publish and see who acknowledged; only an intern or visitor acknowledges (the world's
    # intern already did: a POST changes nothing). The gate itself is tested in tests/conduct.
    ("conduct_acknowledge", "GET"):  row(404, 404, 404, 404, 404, 404, 404, 200, 404, LOGIN),
    ("conduct_acknowledge", "POST"): row(404, 404, 404, 404, 404, 404, 404,
                                         (302, "/conduct/acknowledge/"), 404, LOGIN),
    ("conduct_rules", "GET"):        row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("conduct_rules_new", "GET"):    row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("conduct_rules_new", "POST"):   row(404, 404, 404, 404, 404, RULES, RULES, 404, 404, LOGIN),
    ("conduct_rules_edit", "GET"):   row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    # Edits a draft's text (not in the snapshot, so nobody is among WRITERS).
    ("conduct_rules_edit", "POST"):  row(404, 404, 404, 404, 404, RULES, RULES, 404, 404, LOGIN),
    ("conduct_rules_publish", "GET"):  everyone(405, anonymous=LOGIN),
    ("conduct_rules_publish", "POST"): row(404, 404, 404, 404, 404, RULES, RULES, 404, 404,
                                           LOGIN),
    ("conduct_acknowledgements", "GET"): row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("conduct_record_paper", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("conduct_record_paper", "POST"): row(404, 404, 404, 404, 404, ACKNOWLEDGED, ACKNOWLEDGED,
                                          404, 404, LOGIN),
    # Research and training projects (categories 6, 7, 8): the leadership and the privacy
    # officer manage them and see coverage; only members (the probe: teacher) see material.
    ("research_projects", "GET"):       everyone(200, anonymous=LOGIN),  # only one's own
    ("research_project_create", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("research_project_create", "POST"): row(404, 404, 404, 404, 404, 302, 302, 404, 404, LOGIN),
    ("research_project", "GET"):        row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("research_project_edit", "GET"):   row(404, 404, 404, 403, 404, 200, 200, 404, 404, LOGIN),
    ("research_project_edit", "POST"):  row(404, 404, 404, 403, 404, 302, 302, 404, 404, LOGIN),
    ("research_material_upload", "GET"):  row(404, 404, 404, 200, 404, 403, 403, 404, 404, LOGIN),
    ("research_material_upload", "POST"): row(404, 404, 404, 302, 404, 403, 403, 404, 404, LOGIN),
    ("research_material", "GET"):       row(404, 404, 404, 200, 404, 404, 404, 404, 404, LOGIN),
    ("research_material_tags", "GET"):  row(404, 404, 404, 200, 404, 404, 404, 404, 404, LOGIN),
    ("research_material_tags", "POST"): row(404, 404, 404, 302, 404, 404, 404, 404, 404, LOGIN),
    ("research_material_destroy", "GET"):  everyone(405, anonymous=LOGIN),
    ("research_material_destroy", "POST"): row(404, 404, 404, 302, 404, 302, 302, 404, 404,
                                               LOGIN),
    # Research video: its uploader (the teacher) marks who stays visible and sees the faces;
    # whoever sees the project sees the progress and may try again (the probe's drawing failed).
    ("research_video_marking", "GET"):  row(404, 404, 404, 200, 404, 404, 404, 404, 404, LOGIN),
    ("research_video_marking", "POST"): row(404, 404, 404, 302, 404, 404, 404, 404, 404, LOGIN),
    ("research_video_face", "GET"):     row(404, 404, 404, 200, 404, 404, 404, 404, 404, LOGIN),
    ("research_video_progress", "GET"): row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("research_video_retry", "GET"):    everyone(405, anonymous=LOGIN),
    ("research_video_retry", "POST"):   row(404, 404, 404, 302, 404, 302, 302, 404, 404, LOGIN),
    # The photo gate: the group's teacher and the leadership upload, try again and delete;
    # the privacy officer looks (403 on a change); the probe photo's detection failed.
    ("photos_group", "GET"):     row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("photos_group", "POST"):    row(404, 404, 404, PHOTOS, 404, PHOTOS, 403, 404, 404, LOGIN),
    ("photo_original", "GET"):   row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("photo_retry", "GET"):      everyone(405, anonymous=LOGIN),
    ("photo_retry", "POST"):     row(404, 404, 404, PHOTOS, 404, PHOTOS, 403, 404, 404, LOGIN),
    ("photo_delete", "GET"):     everyone(405, anonymous=LOGIN),
    ("photo_delete", "POST"):    row(404, 404, 404, PHOTOS, 404, PHOTOS, 403, 404, 404, LOGIN),
    # Who is who: the same people see the tagging page and the preview; those who upload tag.
    ("photo_preview", "GET"):    row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("photo_tag", "GET"):        row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("photo_tag", "POST"):       row(404, 404, 404, TAGS, 404, TAGS, 403, 404, 404, LOGIN),
    ("photo_add_face", "GET"):   everyone(405, anonymous=LOGIN),
    ("photo_add_face", "POST"):  row(404, 404, 404, TAGS, 404, TAGS, 403, 404, 404, LOGIN),
    # The probe photo has a doubt: those who tag confirm they looked at every face.
    ("photo_checked", "GET"):    everyone(405, anonymous=LOGIN),
    ("photo_checked", "POST"):   row(404, 404, 404, TAGS, 404, TAGS, 403, 404, 404, LOGIN),
    # Review and publish: the same people see renditions and download publications; those
    # who upload publish. The probe photo's detection failed, so publishing it is refused
    # (nobody is among WRITERS); tests/photos/test_publishing.py publishes for real.
    ("photo_review", "GET"):     row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("photo_review", "POST"):    row(404, 404, 404, REVIEW, 404, REVIEW, 403, 404, 404, LOGIN),
    ("photo_rendition", "GET"):  row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("publication_download", "GET"): row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("publications_zip", "GET"): row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    # Take-downs: the leadership lists them; the publisher (the teacher) or the leadership
    # confirms that a photo that went outside was removed (an audited change).
    ("takedown_list", "GET"):    row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("takedown_confirm", "GET"): row(404, 404, 404, 200, 404, 200, 404, 404, 404, LOGIN),
    ("takedown_confirm", "POST"): row(404, 404, 404, TAKEDOWN, 404, TAKEDOWN, 404, 404, 404, LOGIN),
    # Parents' own photos: a guardian uploads to the groups of their children (Emma's parents
    # to Zon) and sees only their own uploads. The probe is the parent's photo of Emma, asked
    # about, sent by the teacher (sending or declining again changes nothing), with a version
    # to share made before Emma's yes (so making it again makes a new one).
    ("my_photos", "GET"):        everyone(200, anonymous=LOGIN),  # only one's own uploads
    ("my_photos", "POST"):       row(MINE, MINE, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("my_photo_thumbnail", "GET"): row(200, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("my_photo_share", "GET"):   row(200, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("my_photo_share", "POST"):  row(MINE, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("photo_share_release", "GET"):  everyone(405, anonymous=LOGIN),
    ("photo_share_release", "POST"): row(MINE, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("photo_share_download", "GET"): row(200, 404, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("photo_share", "GET"):      row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("photo_share", "POST"):     row(404, 404, 404, SHARE, 404, SHARE, 403, 404, 404, LOGIN),
    ("photo_share_decline", "GET"):  everyone(405, anonymous=LOGIN),
    ("photo_share_decline", "POST"): row(404, 404, 404, SHARE, 404, SHARE, 403, 404, 404, LOGIN),
    # Albums: the probe publication is a class-group photo (category 2) of group Zon with
    # nobody visible. Emma's guardians see it in her class album; every family of the school
    # has the school album; staff who see the group see the image. Downloads are off by
    # default (403 for a family). The leadership sets downloads, releases public photos to the
    # feed and makes newsletters (a zip leaves Consentry, so it is audited: a write). The feed
    # and the images by token are public.
    ("albums", "GET"):           everyone(200, anonymous=LOGIN),  # only one's own albums
    ("album_group", "GET"):      row(200, 200, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    ("album_school", "GET"):     row(200, 200, 200, 404, 404, 404, 404, 404, 404, LOGIN),
    ("album_image", "GET"):      row(200, 200, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("album_download", "GET"):   row(403, 403, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("album_settings", "GET"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("album_settings", "POST"):  row(404, 404, 404, 404, 404, ALBUMS, 404, 404, 404, LOGIN),
    ("feed_releases", "GET"):    row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("feed_releases", "POST"):   row(404, 404, 404, 404, 404, FEED, 404, 404, 404, LOGIN),
    ("feed_release_retract", "GET"):  everyone(405, anonymous=LOGIN),
    ("feed_release_retract", "POST"): row(404, 404, 404, 404, 404, FEED, 404, 404, 404, LOGIN),
    ("newsletters", "GET"):      row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("newsletters", "POST"):     row(404, 404, 404, 404, 404, 302, 404, 404, 404, LOGIN),
    ("newsletter", "GET"):       row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("newsletter_zip", "GET"):   row(404, 404, 404, 404, 404, 200, 404, 404, 404, LOGIN),
    ("newsletter_end", "GET"):   everyone(405, anonymous=LOGIN),
    ("newsletter_end", "POST"):  row(404, 404, 404, 404, 404, 302, 404, 404, 404, LOGIN),
    ("public_feed", "GET"):      everyone(200),
    ("public_feed_rss", "GET"):  everyone(200),
    ("public_feed_json", "GET"): everyone(200),
    ("public_feed_image", "GET"): everyone(200),
    ("newsletter_image", "GET"): everyone(200),
    # Separate consent requests: the probe is a sent request about Emma by her teacher, with
    # a preview. Its writer and the leadership change it (a sent one can no longer be edited
    # or sent again: 302 back to it, nothing changed), the privacy officer reads (403 on a
    # change), a teacher of another group may ask about their own pupils only; Emma's
    # guardians answer it and see its preview.
    ("consent_requests", "GET"):     row(404, 404, 404, 200, 200, 200, 200, 404, 404, LOGIN),
    ("consent_request_new", "GET"):  row(404, 404, 404, 200, 200, 200, 403, 404, 404, LOGIN),
    ("consent_request_new", "POST"): row(404, 404, 404, 302, 200, 302, 403, 404, 404, LOGIN),
    ("consent_request", "GET"):      row(404, 404, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("consent_request_edit", "GET"):  row(404, 404, 404, 302, 404, 302, 403, 404, 404, LOGIN),
    ("consent_request_edit", "POST"): row(404, 404, 404, 302, 404, 302, 403, 404, 404, LOGIN),
    ("consent_request_open", "GET"):  everyone(405, anonymous=LOGIN),
    ("consent_request_open", "POST"): row(404, 404, 404, 302, 404, 302, 403, 404, 404, LOGIN),
    ("consent_request_close", "GET"):  everyone(405, anonymous=LOGIN),
    ("consent_request_close", "POST"): row(404, 404, 404, 302, 404, 302, 403, 404, 404, LOGIN),
    ("consent_request_preview", "GET"): row(200, 200, 404, 200, 404, 200, 200, 404, 404, LOGIN),
    ("consent_request_answer", "GET"):  everyone(405, anonymous=LOGIN),
    ("consent_request_answer", "POST"): row(KIDS, KIDS, 404, 404, 404, 404, 404, 404, 404, LOGIN),
    # A pupil's data (the right of access) for the school's leadership, the board's privacy
    # officer and the guardians with authority (each download is audited, so they write);
    # erasure and retention only for the first two. Emma is still at school: erasure is
    # refused (200, nothing changed). Only the privacy officer sets a school's period.
    ("pupil_data", "GET"):       row(200, 200, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("pupil_data_json", "GET"):  row(200, 200, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("pupil_data_zip", "GET"):   row(200, 200, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("pupil_erase", "GET"):      row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("pupil_erase", "POST"):     row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("retention_overview", "GET"):  row(404, 404, 404, 404, 404, 200, 200, 404, 404, LOGIN),
    ("retention_overview", "POST"): row(404, 404, 404, 404, 404, 403,
                                        (302, "/schools/{school}/retention/"), 404, 404, LOGIN),
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
    ("new_leaflet_draft", "POST"): {"leadership"},
    ("send_reminders", "POST"): {"leadership"},
    ("api:decide", "POST"): {"parent", "other_parent"},
    ("breach_report", "POST"): set(PERSONAS),
    ("breach_detail", "POST"): {"leadership", "privacy_officer"},
    ("breach_authority", "POST"): {"leadership", "privacy_officer"},
    ("breach_close", "POST"): {"leadership", "privacy_officer"},
    ("processor_create", "POST"): {"privacy_officer"},
    ("processor_edit", "POST"): {"privacy_officer"},
    ("agreement_create", "POST"): {"privacy_officer"},
    ("agreement_edit", "POST"): {"privacy_officer"},
    ("activity_create", "POST"): {"privacy_officer"},
    ("activity_edit", "POST"): {"privacy_officer"},
    ("conduct_rules_new", "POST"): {"leadership", "privacy_officer"},
    ("conduct_rules_publish", "POST"): {"leadership", "privacy_officer"},
    ("conduct_record_paper", "POST"): {"leadership", "privacy_officer"},
    ("consent_request_new", "POST"): {"teacher", "leadership"},
    ("consent_request_close", "POST"): {"teacher", "leadership"},
    ("consent_request_answer", "POST"): {"parent", "other_parent"},
    ("research_project_create", "POST"): {"leadership", "privacy_officer"},
    ("research_project_edit", "POST"): {"leadership", "privacy_officer"},
    ("research_material_upload", "POST"): {"teacher"},
    ("research_material_tags", "POST"): {"teacher"},
    ("research_material_destroy", "POST"): {"teacher", "leadership", "privacy_officer"},
    ("research_video_marking", "POST"): {"teacher"},
    ("research_video_retry", "POST"): {"teacher", "leadership", "privacy_officer"},
    ("pupil_data_json", "GET"): {"parent", "other_parent", "leadership", "privacy_officer"},
    ("pupil_data_zip", "GET"): {"parent", "other_parent", "leadership", "privacy_officer"},
    ("retention_overview", "POST"): {"privacy_officer"},
    ("photos_group", "POST"): {"teacher", "leadership"},
    ("photo_retry", "POST"): {"teacher", "leadership"},
    ("photo_delete", "POST"): {"teacher", "leadership"},
    ("photo_tag", "POST"): {"teacher", "leadership"},
    ("photo_add_face", "POST"): {"teacher", "leadership"},
    ("photo_checked", "POST"): {"teacher", "leadership"},
    ("takedown_confirm", "POST"): {"teacher", "leadership"},
    ("album_settings", "POST"): {"leadership"},
    ("feed_releases", "POST"): {"leadership"},
    ("feed_release_retract", "POST"): {"leadership"},
    ("newsletters", "POST"): {"leadership"},
    ("newsletter_zip", "GET"): {"leadership"},
    ("newsletter_end", "POST"): {"leadership"},
    ("my_photos", "POST"): {"parent", "other_parent"},
    ("photo_share_release", "POST"): {"parent"},
}


def _album_kwargs(world: World) -> dict:
    """A public photo released to the feed and a newsletter, each with its token."""
    release, newsletter = make_probe_release(world), make_probe_newsletter(world)
    return {
        "release_id": release.pk,
        "feed_token": release.token,
        "newsletter_id": newsletter.pk,
        "newsletter_token": newsletter.items.get().token,
    }


def _url_kwargs(world: World, draft: LeafletVersion) -> dict[str, int]:
    share = make_probe_share(world)  # the parent's photo, asked about and sent
    return {
        "share_id": share.pk,
        "upload_id": share.photo_id,
        "pupil_id": world.emma.pk,
        "uidb36": "4",  # a password-reset link, with a key that is not valid
        "key": "probe-key",
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
        "breach_id": Breach.objects.create(
            school=world.school,
            reference="DL-PROBE",
            description="A list was e-mailed to the wrong parents.",
            discovered_at=datetime(2025, 1, 6, 9, tzinfo=UTC),
            risk="risk",
            measures="Asked them to delete it.",
            ap_notified_at=datetime(2025, 1, 7, 9, tzinfo=UTC),
        ).pk,
        **make_register(world.board).url_kwargs(),  # board, processor, agreement, activity
        **make_probe(world),  # research: project_id, material_id, video_id, track (teacher's)
        "request_id": make_probe_request(world).pk,  # sent, about Emma, with a preview
        "photo_id": make_probe_photo(world).pk,  # of the teacher's group; detection failed
        "publication_id": make_probe_publication(world).pk,  # to the class group (2)
        "audience": 2,
        "takedown_id": make_probe_takedown(world).pk,  # open, external, the teacher published
        **_album_kwargs(world),
        "rules_id": PrivacyRules.objects.create(
            school=world.school, label="Probe draft", text_nl="Geen foto's."
        ).pk,
    }


_PROCESSOR = {"company": "Probe", "product": "Probe", "in_use": "on"}
_CONSENT_REQUEST = {"purpose": "Probe", "description": "Probe", "deadline": "2099-01-01"}
_AGREEMENT = {"model_version": "Model 4.0", "signed_on": "2026-01-01", "anonymised": "unknown"}
_ACTIVITY = {
    "name": "Probe",
    "purpose": "Probe",
    "legal_basis": "consent",
    "data_categories": "Names",
    "data_subjects": "Pupils",
    "retention": "A year",
}


def _form_body(name: str, world: World) -> dict[str, str]:
    """For the pages: a body that would change something if it were let through."""
    return {
        "account_login": {"login": world.parent.email, "password": "wrong"},
        "account_request_login_code": {"email": world.parent.email},
        "account_confirm_login_code": {"code": "00000000"},
        "account_signup": {"email": "new@example.nl", "password1": "a-long-passw0rd!"},
        "account_reauthenticate": {"password": "wrong"},
        "account_change_password": {"oldpassword": "wrong", "password1": "n3w-passw0rd!"},
        "account_reset_password": {"email": world.parent.email},
        "account_reset_password_from_key": {"password1": "n3w-passw0rd!"},
        "mfa_authenticate": {"code": "000000"},
        "mfa_activate_totp": {"code": "000000"},
        "demo_login": {"persona": "guardian"},
        "set_language": {"language": "en", "next": "/children/"},
        "pupil_consent": {"category_4": "yes"},
        "consent_request_new": _CONSENT_REQUEST | {"pupils": str(world.emma.pk)},
        "consent_request_edit": _CONSENT_REQUEST | {"pupils": str(world.emma.pk)},
        "consent_request_answer": {"pupil": str(world.emma.pk), "answer": "yes"},
        "paper_form": {"category_4": "no", "signed_by": str(world.parent.pk), "note": "Signed."},
        "never_flag": {"reason": "Safeguarding: do not photograph."},
        "pupil_erase": {"reason": "guardian_request", "confirm": "on"},
        "retention_overview": {"left_pupil_years": "3"},
        "publish_leaflet": {"material": "yes", "confirm_new_round": "yes"},
        "breach_report": {"description": "A lost USB stick.", "discovered_at": "2025-01-06T10:00"},
        "breach_detail": {"discovered_at": "2025-01-06T10:00", "people_count": "12"},
        "breach_authority": {"decision": "notified", "notified_at": "2025-01-07T12:00"},
        "new_leaflet_draft": {"label": "versie 2028"},
        "processor_create": _PROCESSOR,
        "processor_edit": _PROCESSOR,
        "agreement_create": _AGREEMENT,
        "agreement_edit": _AGREEMENT,
        "activity_create": _ACTIVITY,
        "activity_edit": _ACTIVITY,
        "conduct_acknowledge": {"period_from": "2026-01-01", "keeps_rules": "on"},
        "conduct_rules_new": {"label": "Probe rules", "text_nl": "Geen foto's."},
        "conduct_rules_edit": {"label": "Probe draft", "text_nl": "Geen video's."},
        "conduct_record_paper": {
            "name": "A visitor",
            "role": "visitor",
            "period_from": "2026-01-05",
            "period_to": "2026-01-06",
            "rules": str(PrivacyRules.objects.current_for(world.school).pk),
            "signed": "on",
        },
        **({name: probe_body(world, name)} if name.startswith("research_") else {}),
        **({name: probe_upload_body()} if name == "photos_group" else {}),
        **(
            {name: {"group": str(world.group.pk), "photos": [upload(small_jpeg(), "mine.jpg")]}}
            if name == "my_photos"
            else {}
        ),
        "my_photo_share": {"where": "Probe"},
        "photo_share": {"purpose": "Probe", "description": "Probe", "deadline": "2099-01-01"},
        "photo_share_decline": {"note": "Probe"},
        **probe_form_bodies(world),
        **album_form_bodies(world),
        "photo_review": {"audience": "2", "mode": "blur"},
        "edit_leaflet_draft": {
            "form-TOTAL_FORMS": "0",
            "form-INITIAL_FORMS": "0",
            "intro_nl": "Nieuw",
        },
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
        "group": world.group.pk,
        "photo": kwargs["photo_id"],
        "takedown": kwargs["takedown_id"],
        "share": kwargs["share_id"],
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
