from django.urls import path

from . import views

urlpatterns = [
    path("groups/<int:group_id>/photos/", views.group_photos, name="photos_group"),
    path("photos/<int:photo_id>/original/", views.photo_original, name="photo_original"),
    path("photos/<int:photo_id>/retry/", views.photo_retry, name="photo_retry"),
    path("photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
]
