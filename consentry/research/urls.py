from django.urls import path

from . import video_views, views

urlpatterns = [
    path("", views.project_list, name="research_projects"),
    path("schools/<id:school_id>/new/", views.project_create, name="research_project_create"),
    path("<id:project_id>/", views.project_detail, name="research_project"),
    path("<id:project_id>/edit/", views.project_edit, name="research_project_edit"),
    path("<id:project_id>/material/new/", views.material_upload, name="research_material_upload"),
    path("material/<id:material_id>/", views.material_download, name="research_material"),
    path("material/<id:material_id>/pupils/", views.material_tags, name="research_material_tags"),
    path(
        "material/<id:material_id>/destroy/",
        views.material_destroy,
        name="research_material_destroy",
    ),
    path("videos/<id:video_id>/", video_views.video_marking, name="research_video_marking"),
    path(
        "videos/<id:video_id>/faces/<id:track>/",
        video_views.video_face,
        name="research_video_face",
    ),
    path(
        "videos/<id:video_id>/progress/", video_views.video_progress, name="research_video_progress"
    ),
    path("videos/<id:video_id>/retry/", video_views.video_retry, name="research_video_retry"),
]
