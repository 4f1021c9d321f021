from django.urls import path

from . import views

urlpatterns = [
    path("schools/<id:school_id>/requests/", views.request_list, name="consent_requests"),
    path("schools/<id:school_id>/requests/new/", views.request_create, name="consent_request_new"),
    path("requests/<id:request_id>/", views.request_detail, name="consent_request"),
    path("requests/<id:request_id>/edit/", views.request_edit, name="consent_request_edit"),
    path("requests/<id:request_id>/send/", views.request_open, name="consent_request_open"),
    path("requests/<id:request_id>/close/", views.request_close, name="consent_request_close"),
    path("requests/<id:request_id>/preview/", views.preview, name="consent_request_preview"),
    path("requests/<id:request_id>/answer/", views.answer, name="consent_request_answer"),
]
