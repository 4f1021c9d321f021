"""The leadership's pages: the album setting, releases to the public feed, newsletters.

Only the school's leadership (404 for everyone else, as for the take-downs): these choose
what leaves the closed circle of the school. Every change is audited in its service.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.ids import get_or_404, is_row_id
from consentry.photos.models import Publication
from consentry.schools.access import get_school_led_by, schools_led_by

from . import feed, newsletters, services
from .forms import NewsletterForm
from .models import FeedRelease, Newsletter


def _get_release_for_user(user, release_id: int) -> FeedRelease:
    release = FeedRelease.objects.filter(school__in=schools_led_by(user), pk=release_id).first()
    if release is None:
        raise Http404("No such release.")
    return release


def _get_newsletter_for_user(user, newsletter_id: int) -> Newsletter:
    found = Newsletter.objects.filter(school__in=schools_led_by(user), pk=newsletter_id).first()
    if found is None:
        raise Http404("No such newsletter.")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def album_settings(request, school_id: int):
    school = get_school_led_by(request.user, school_id)
    if request.method == "POST":
        allowed = request.POST.get("downloads_allowed") == "on"
        if services.set_downloads_allowed(school, allowed, actor=request.user):
            messages.success(request, _("Saved."))
        return redirect("album_settings", school.pk)
    feed_url = request.build_absolute_uri(reverse("public_feed", args=[school.pk]))
    context = {
        "school": school,
        "downloads_allowed": services.downloads_allowed(school.pk),
        "feed_url": feed_url,
        "rss_url": request.build_absolute_uri(reverse("public_feed_rss", args=[school.pk])),
        "json_url": request.build_absolute_uri(reverse("public_feed_json", args=[school.pk])),
    }
    return render(request, "albums/settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feed_releases(request, school_id: int):
    """Release a category-4 photo to the public feed; see what is in it and what left it."""
    school = get_school_led_by(request.user, school_id)
    if request.method == "POST":
        return _release(request, school)
    context = {
        "school": school,
        "candidates": feed.candidates(school),
        "taken_down": feed.taken_down(school),
        "feed_url": reverse("public_feed", args=[school.pk]),
    }
    return render(request, "albums/releases.html", context)


def _release(request, school):
    value = request.POST.get("publication", "")
    if not is_row_id(value):
        raise Http404("No such publication.")
    mine = Publication.objects.filter(photo__school=school).select_related("photo")
    publication = get_or_404(mine, int(value))
    try:
        feed.release(publication, school=school, actor=request.user)
    except feed.ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The photo is now in the public feed."))
    return redirect("feed_releases", school.pk)


@login_required
@require_POST
def feed_release_retract(request, release_id: int):
    release = _get_release_for_user(request.user, release_id)
    if feed.retract(release, actor=request.user):
        messages.success(request, _("The photo is no longer in the public feed."))
    return redirect("feed_releases", release.school_id)


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_list(request, school_id: int):
    """The school's newsletters, and a new one from the photos that may be shown now."""
    school = get_school_led_by(request.user, school_id)
    today = timezone.localdate()
    last_day = newsletters.last_valid_day(today)
    initial = {"valid_until": today + timedelta(days=newsletters.DEFAULT_DAYS)}
    form = NewsletterForm(request.POST or None, initial=initial, today=today, last_day=last_day)
    if request.method == "POST" and form.is_valid():
        picked = [int(v) for v in request.POST.getlist("publications") if is_row_id(v)]
        try:
            created = newsletters.create(
                school,
                title=form.cleaned_data["title"],
                publication_ids=picked,
                valid_until=form.cleaned_data["valid_until"],
                actor=request.user,
            )
        except newsletters.NewsletterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The newsletter's links are ready."))
            return redirect("newsletter", created.pk)
    context = {
        "school": school,
        "form": form,
        "pickable": newsletters.pickable(school),
        "picked": set(request.POST.getlist("publications")),
        "newsletters": newsletters.of_school(school),
    }
    return render(request, "albums/newsletters.html", context)


@login_required
@require_GET
def newsletter(request, newsletter_id: int):
    found = _get_newsletter_for_user(request.user, newsletter_id)
    items = newsletters.items_with_state(found)
    for item in items:
        path = reverse("newsletter_image", args=[item.token])
        item.link = request.build_absolute_uri(path)  # type: ignore[attr-defined]
    context = {"newsletter": found, "items": items, "open": found.is_open()}
    return render(request, "albums/newsletter.html", context)


@login_required
@require_GET
def newsletter_zip(request, newsletter_id: int):
    found = _get_newsletter_for_user(request.user, newsletter_id)
    try:
        data = newsletters.zip_now(found, actor=request.user)
    except newsletters.NewsletterError as exc:
        messages.error(request, str(exc))
        return redirect("newsletter", found.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="newsletter-{found.pk}-{stamp}.zip"'
    return response


@login_required
@require_POST
def newsletter_end(request, newsletter_id: int):
    found = _get_newsletter_for_user(request.user, newsletter_id)
    if newsletters.end(found, actor=request.user):
        messages.success(request, _("The links of this newsletter no longer work."))
    return redirect("newsletter", found.pk)
