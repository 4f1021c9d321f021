from django.urls import path

from . import public_views, staff_views, views

urlpatterns = [
    # The families' albums (signed in; only their own).
    path("albums/", views.albums, name="albums"),
    path("albums/groups/<id:group_id>/", views.album_group, name="album_group"),
    path("albums/schools/<id:school_id>/", views.album_school, name="album_school"),
    path("albums/images/<id:publication_id>/", views.album_image, name="album_image"),
    path(
        "albums/images/<id:publication_id>/download/", views.album_download, name="album_download"
    ),
    # The leadership: the album setting, the public feed's releases, newsletters.
    path("schools/<id:school_id>/albums/", staff_views.album_settings, name="album_settings"),
    path("schools/<id:school_id>/feed/", staff_views.feed_releases, name="feed_releases"),
    path(
        "feed-releases/<id:release_id>/retract/",
        staff_views.feed_release_retract,
        name="feed_release_retract",
    ),
    path("schools/<id:school_id>/newsletters/", staff_views.newsletter_list, name="newsletters"),
    path("newsletters/<id:newsletter_id>/", staff_views.newsletter, name="newsletter"),
    path(
        "newsletters/<id:newsletter_id>/images.zip",
        staff_views.newsletter_zip,
        name="newsletter_zip",
    ),
    path("newsletters/<id:newsletter_id>/end/", staff_views.newsletter_end, name="newsletter_end"),
    # Public: the school's feed, and images by token (never by id).
    path("feed/<id:school_id>/", public_views.public_feed, name="public_feed"),
    path("feed/<id:school_id>/rss.xml", public_views.public_feed_rss, name="public_feed_rss"),
    path("feed/<id:school_id>/feed.json", public_views.public_feed_json, name="public_feed_json"),
    path(
        "feed/images/<slug:feed_token>.jpg",
        public_views.public_feed_image,
        name="public_feed_image",
    ),
    path(
        "newsletter-images/<slug:newsletter_token>.jpg",
        public_views.newsletter_image,
        name="newsletter_image",
    ),
]
