from django.urls import path

from . import parent_views, share_views, takedown_views, views

urlpatterns = [
    path("groups/<id:group_id>/photos/", views.group_photos, name="photos_group"),
    path("photos/<id:photo_id>/original/", views.photo_original, name="photo_original"),
    path("photos/<id:photo_id>/preview/", views.photo_preview, name="photo_preview"),
    path("photos/<id:photo_id>/retry/", views.photo_retry, name="photo_retry"),
    path("photos/<id:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<id:photo_id>/faces/", views.photo_tag, name="photo_tag"),
    path("photos/<id:photo_id>/faces/add/", views.photo_add_face, name="photo_add_face"),
    path("photos/<id:photo_id>/faces/checked/", views.photo_checked, name="photo_checked"),
    path("photos/<id:photo_id>/review/", views.photo_review, name="photo_review"),
    path("photos/<id:photo_id>/rendition/", views.photo_rendition, name="photo_rendition"),
    path(
        "publications/<id:publication_id>/download/",
        views.publication_download,
        name="publication_download",
    ),
    path(
        "groups/<id:group_id>/publications/<str:audience>.zip",
        views.publications_zip,
        name="publications_zip",
    ),
    # Parents' own photos (parent_photos.py): a guardian's uploads and asking first.
    path("my-photos/", parent_views.my_photos, name="my_photos"),
    path(
        "my-photos/<id:upload_id>/thumbnail/",
        parent_views.my_photo_thumbnail,
        name="my_photo_thumbnail",
    ),
    path("my-photos/<id:upload_id>/share/", parent_views.my_photo_share, name="my_photo_share"),
    path(
        "photo-shares/<id:share_id>/release/",
        parent_views.photo_share_release,
        name="photo_share_release",
    ),
    path(
        "photo-shares/<id:share_id>/download/",
        parent_views.photo_share_download,
        name="photo_share_download",
    ),
    path("photo-shares/<id:share_id>/", share_views.photo_share, name="photo_share"),
    path(
        "photo-shares/<id:share_id>/decline/",
        share_views.photo_share_decline,
        name="photo_share_decline",
    ),
    path(
        "schools/<id:school_id>/takedowns/",
        takedown_views.takedown_list,
        name="takedown_list",
    ),
    path(
        "takedowns/<id:takedown_id>/",
        takedown_views.takedown_confirm,
        name="takedown_confirm",
    ),
]
