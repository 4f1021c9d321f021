from django.urls import path

from . import views

urlpatterns = [
    path("schools/<id:school_id>/", views.upload, name="roster_upload"),
    path("schools/<id:school_id>/imports/<id:import_id>/", views.preview, name="roster_preview"),
    path("schools/<id:school_id>/guardians/", views.guardians, name="roster_guardians"),
    path(
        "schools/<id:school_id>/guardians/authority/",
        views.authority,
        name="roster_authority",
    ),
    path("schools/<id:school_id>/pupils-16/", views.own_consent, name="roster_own_consent"),
    path("guardians-template.csv", views.guardians_template, name="roster_guardians_template"),
]
