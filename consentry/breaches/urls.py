from django.urls import path

from . import views

urlpatterns = [
    path("report/<int:school_id>/", views.report, name="breach_report"),
    path("report/<int:school_id>/received/", views.received, name="breach_received"),
    path("schools/<int:school_id>/", views.register, name="breach_register"),
    path("<int:breach_id>/", views.detail, name="breach_detail"),
    path("<int:breach_id>/authority/", views.authority, name="breach_authority"),
    path("<int:breach_id>/close/", views.close, name="breach_close"),
]
