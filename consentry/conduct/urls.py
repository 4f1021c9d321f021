from django.urls import path

from . import views

urlpatterns = [
    path("acknowledge/", views.acknowledge, name="conduct_acknowledge"),
    path("schools/<int:school_id>/", views.rules, name="conduct_rules"),
    path("schools/<int:school_id>/new/", views.new_rules, name="conduct_rules_new"),
    path("rules/<int:rules_id>/edit/", views.edit_rules, name="conduct_rules_edit"),
    path("rules/<int:rules_id>/publish/", views.publish_rules, name="conduct_rules_publish"),
    path(
        "schools/<int:school_id>/acknowledgements/",
        views.acknowledgements,
        name="conduct_acknowledgements",
    ),
    path("schools/<int:school_id>/paper/", views.record_paper, name="conduct_record_paper"),
]
