from django.urls import path

from . import views

urlpatterns = [
    path("pupils/<id:pupil_id>/data/", views.pupil_data, name="pupil_data"),
    path("pupils/<id:pupil_id>/data.json", views.pupil_data_json, name="pupil_data_json"),
    path("pupils/<id:pupil_id>/data.zip", views.pupil_data_zip, name="pupil_data_zip"),
    path("pupils/<id:pupil_id>/erase/", views.erase, name="pupil_erase"),
    path("schools/<id:school_id>/retention/", views.overview, name="retention_overview"),
]
