from django.urls import include, path

from consentry.accounts import views as accounts
from consentry.api.api import api
from consentry.audit import views as audit
from consentry.consent import views as consent
from consentry.demo import views as demo
from consentry.leaflets import views as leaflets
from consentry.schools import views as schools
from consentry.web import health
from consentry.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("", include("consentry.accounts.urls")),  # sign-in (allauth): /login/, /security/
    path("demo/login/", demo.demo_login, name="demo_login"),
    path("i18n/setlang/", accounts.set_language, name="set_language"),
    path("children/", consent.children, name="children"),
    path("pupils/<id:pupil_id>/", consent.pupil_consent, name="pupil_consent"),
    path("pupils/<id:pupil_id>/history/", consent.pupil_history, name="pupil_history"),
    path("pupils/<id:pupil_id>/paper-form/", consent.paper_form, name="paper_form"),
    path("pupils/<id:pupil_id>/never-flag/", consent.never_flag, name="never_flag"),
    path("groups/", schools.group_list, name="group_list"),
    path("groups/<id:group_id>/", schools.group_matrix, name="group_matrix"),
    path("groups/<id:group_id>/may-appear/", schools.group_may_appear, name="group_may_appear"),
    path("groups/<id:group_id>/print/", schools.group_print, name="group_print"),
    path("schools/<id:school_id>/", schools.school_overview, name="school_overview"),
    path("schools/<id:school_id>/audit/", audit.school_trail, name="audit_trail"),
    path("schools/<id:school_id>/leaflet/", leaflets.leaflet, name="leaflet"),
    path("schools/<id:school_id>/leaflet/pdf/", leaflets.leaflet_pdf, name="leaflet_pdf"),
    path(
        "schools/<id:school_id>/leaflet/<id:version_id>/",
        leaflets.leaflet,
        name="leaflet_version",
    ),
    path(
        "schools/<id:school_id>/leaflet/<id:version_id>/pdf/",
        leaflets.leaflet_pdf,
        name="leaflet_version_pdf",
    ),
    path("schools/<id:school_id>/leaflet/versions/", leaflets.versions, name="leaflet_versions"),
    path("leaflet-versions/<id:version_id>/publish/", leaflets.publish, name="publish_leaflet"),
    path(
        "schools/<id:school_id>/leaflet/versions/new/",
        leaflets.new_draft,
        name="new_leaflet_draft",
    ),
    path("leaflet-versions/<id:version_id>/edit/", leaflets.edit_draft, name="edit_leaflet_draft"),
    path("api/v1/", api.urls),
    path("roster/", include("consentry.roster.urls")),
    path("breaches/", include("consentry.breaches.urls")),
    path("processors/", include("consentry.processors.urls")),
    path("conduct/", include("consentry.conduct.urls")),  # privacy rules, interns
    path("", include("consentry.adhoc.urls")),  # separate consent requests
    path("", include("consentry.retention.urls")),  # a pupil's export and erasure, retention
    path("projects/", include("consentry.research.urls")),  # categories 6, 7, 8
    path("", include("consentry.photos.urls")),  # the photo gate: upload, faces
    path("", include("consentry.albums.urls")),  # albums, public feed, newsletters
    path("", include("consentry.mail.urls")),  # reminders, demo outbox
]
