from django.urls import path

from . import views

urlpatterns = [
    path("report/<id:school_id>/", views.report, name="breach_report"),
    path("report/<id:school_id>/received/", views.received, name="breach_received"),
    path("schools/<id:school_id>/", views.register, name="breach_register"),
    path("<id:breach_id>/", views.detail, name="breach_detail"),
    path("<id:breach_id>/authority/", views.authority, name="breach_authority"),
    path("<id:breach_id>/close/", views.close, name="breach_close"),
]
