from django.urls import path

from . import views

urlpatterns = [
    path("boards/<id:board_id>/", views.processor_list, name="processor_list"),
    path("boards/<id:board_id>/new/", views.processor_create, name="processor_create"),
    path("<id:processor_id>/", views.processor_detail, name="processor_detail"),
    path("<id:processor_id>/edit/", views.processor_edit, name="processor_edit"),
    path("<id:processor_id>/agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<id:agreement_id>/edit/", views.agreement_edit, name="agreement_edit"),
    path(
        "agreements/<id:agreement_id>/document/",
        views.agreement_document,
        name="agreement_document",
    ),
    path("boards/<id:board_id>/register/", views.register, name="processing_register"),
    path(
        "boards/<id:board_id>/register/print/",
        views.register_print,
        name="processing_register_print",
    ),
    path("boards/<id:board_id>/register.csv", views.register_csv, name="processing_register_csv"),
    path("boards/<id:board_id>/register/new/", views.activity_create, name="activity_create"),
    path("activities/<id:activity_id>/edit/", views.activity_edit, name="activity_edit"),
]
