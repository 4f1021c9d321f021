from django.urls import path

from . import views

urlpatterns = [
    path("schools/<int:school_id>/", views.upload, name="roster_upload"),
    path("schools/<int:school_id>/imports/<int:import_id>/", views.preview, name="roster_preview"),
    path("schools/<int:school_id>/guardians/", views.guardians, name="roster_guardians"),
    path(
        "schools/<int:school_id>/guardians/authority/",
        views.authority,
        name="roster_authority",
    ),
    path("schools/<int:school_id>/pupils-16/", views.own_consent, name="roster_own_consent"),
    path("guardians-template.csv", views.guardians_template, name="roster_guardians_template"),
]
