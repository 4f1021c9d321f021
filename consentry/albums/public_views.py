"""What anyone may open without signing in: a school's public feed (a page, RSS and JSON
Feed for the school's website) and the images of the feed and of newsletters, by token.

Every answer is read at the request (`feed.live_releases`, `feed.release_for_token`,
`newsletters.item_for_token`) and may not be kept by a browser or a proxy (`no-store`):
an image that leaves the feed or a newsletter is gone at once, from every copy Consentry
serves. Nothing here names a pupil, a file or the person who uploaded it.
"""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Enclosure, Rss201rev2Feed
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consentry.photos import crypto, publishing
from consentry.photos.models import Publication
from consentry.schools.models import School

from . import feed, newsletters
from .models import FeedRelease

JSON_FEED = "https://jsonfeed.org/version/1.1"


def _school(school_id: int) -> School:
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    return school


def _never_kept(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _embeddable(response: HttpResponse) -> HttpResponse:
    """The school's website may read the feed from its own pages (it holds nothing private)."""
    response["Access-Control-Allow-Origin"] = "*"
    return _never_kept(response)


def _caption(school: School, release: FeedRelease) -> str:
    day = date_format(timezone.localtime(release.released_at))
    return _("Photo from %(school)s, %(date)s") % {"school": school.name, "date": day}


def _items(request, school: School) -> list[dict]:
    page = request.build_absolute_uri(reverse("public_feed", args=[school.pk]))
    return [
        {
            "id": release.token,
            "caption": _caption(school, release),
            "image": request.build_absolute_uri(reverse("public_feed_image", args=[release.token])),
            "link": f"{page}#photo-{release.token}",
            "released_at": release.released_at,
            "size": release.publication.size,
        }
        for release in feed.live_releases(school)
    ]


@require_GET
def public_feed(request, school_id: int):
    school = _school(school_id)
    context = {"school": school, "items": _items(request, school)}
    return _never_kept(render(request, "albums/public_feed.html", context))


@require_GET
def public_feed_rss(request, school_id: int):
    school = _school(school_id)
    rss = Rss201rev2Feed(
        title=_("Photos of %(school)s") % {"school": school.name},
        link=request.build_absolute_uri(reverse("public_feed", args=[school.pk])),
        description=_("Photos that %(school)s shares with everyone.") % {"school": school.name},
        language=get_language(),
        feed_url=request.build_absolute_uri(),
    )
    for item in _items(request, school):
        rss.add_item(
            title=item["caption"],
            link=item["link"],
            description=format_html('<img src="{}" alt="{}">', item["image"], item["caption"]),
            unique_id=item["image"],
            unique_id_is_permalink=False,
            pubdate=item["released_at"],
            enclosures=[Enclosure(item["image"], str(item["size"]), "image/jpeg")],
        )
    response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
    rss.write(response, "utf-8")
    return _embeddable(response)


@require_GET
def public_feed_json(request, school_id: int):
    school = _school(school_id)
    body = {
        "version": JSON_FEED,
        "title": _("Photos of %(school)s") % {"school": school.name},
        "home_page_url": request.build_absolute_uri(reverse("public_feed", args=[school.pk])),
        "feed_url": request.build_absolute_uri(),
        "language": get_language(),
        "items": [
            {
                "id": item["id"],
                "url": item["link"],
                "title": item["caption"],
                "content_text": item["caption"],
                "image": item["image"],
                "date_published": item["released_at"].isoformat(),
                "attachments": [
                    {"url": item["image"], "mime_type": "image/jpeg", "size_in_bytes": item["size"]}
                ],
            }
            for item in _items(request, school)
        ],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/feed+json; charset=utf-8"
    )
    return _embeddable(response)


def _public_image(publication: Publication) -> HttpResponse:
    try:
        data = publishing.read_rendition(publication)
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("No such image.") from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    # Search engines would keep a copy beyond a withdrawal: ask them not to.
    response["X-Robots-Tag"] = "noindex, noarchive"
    return _never_kept(response)


@require_GET
def public_feed_image(request, feed_token: str):
    release = feed.release_for_token(feed_token)
    if release is None:
        raise Http404("No such image.")
    return _public_image(release.publication)


@require_GET
def newsletter_image(request, newsletter_token: str):
    item = newsletters.item_for_token(newsletter_token)
    if item is None:
        raise Http404("No such image.")
    return _public_image(item.publication)
