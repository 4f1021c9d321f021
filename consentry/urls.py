from django.contrib.auth import views as auth_views
from django.urls import include, path

from consentry.api.api import api
from consentry.audit import views as audit
from consentry.consent import views as consent
from consentry.demo import views as demo
from consentry.leaflets import views as leaflets
from consentry.schools import views as schools
from consentry.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("login/", web.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("demo/login/", demo.demo_login, name="demo_login"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("children/", consent.children, name="children"),
    path("pupils/<int:pupil_id>/", consent.pupil_consent, name="pupil_consent"),
    path("pupils/<int:pupil_id>/history/", consent.pupil_history, name="pupil_history"),
    path("pupils/<int:pupil_id>/paper-form/", consent.paper_form, name="paper_form"),
    path("pupils/<int:pupil_id>/never-flag/", consent.never_flag, name="never_flag"),
    path("groups/", schools.group_list, name="group_list"),
    path("groups/<int:group_id>/", schools.group_matrix, name="group_matrix"),
    path("schools/<int:school_id>/", schools.school_overview, name="school_overview"),
    path("schools/<int:school_id>/audit/", audit.school_trail, name="audit_trail"),
    path("schools/<int:school_id>/leaflet/", leaflets.leaflet, name="leaflet"),
    path("schools/<int:school_id>/leaflet/versions/", leaflets.versions, name="leaflet_versions"),
    path("leaflet-versions/<int:version_id>/publish/", leaflets.publish, name="publish_leaflet"),
    path("api/v1/", api.urls),
    path("roster/", include("consentry.roster.urls")),
]
