from django.urls import path

from . import views

urlpatterns = [
    path("acknowledge/", views.acknowledge, name="conduct_acknowledge"),
    path("schools/<id:school_id>/", views.rules, name="conduct_rules"),
    path("schools/<id:school_id>/new/", views.new_rules, name="conduct_rules_new"),
    path("rules/<id:rules_id>/edit/", views.edit_rules, name="conduct_rules_edit"),
    path("rules/<id:rules_id>/publish/", views.publish_rules, name="conduct_rules_publish"),
    path(
        "schools/<id:school_id>/acknowledgements/",
        views.acknowledgements,
        name="conduct_acknowledgements",
    ),
    path("schools/<id:school_id>/paper/", views.record_paper, name="conduct_record_paper"),
]
