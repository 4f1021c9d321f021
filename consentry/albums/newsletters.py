"""Newsletter images: the leadership picks category-3 or category-4 photos for a newsletter
and gets a link per image (for the newsletter tool) or a zip.

Why links that are checked: a newsletter is read for weeks, and a guardian may withdraw in
the meantime. Each link is a token (unguessable, not an id), works until the newsletter's
date or until the leadership ends it, and at every request only while every pupil visible
in the image may still appear in its category (`coverage.shown_now`). A zip cannot be
called back, so it holds only what may be shown at the moment it is made, and each zip
made is audited.
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.audit.services import record
from consentry.photos import publishing
from consentry.photos.models import Publication
from consentry.schools.models import School

from .coverage import is_shown_now, shown_now
from .models import Newsletter, NewsletterItem
from .services import latest_current

CATEGORIES = (3, 4)  # the school (its newsletter) and public
DEFAULT_DAYS = 30
MAX_DAYS = 90
CHOOSE_FROM = 60  # the newest publications offered


class NewsletterError(ValueError):
    """A newsletter that is not made; the message is for the leadership."""


def pickable(school: School) -> list[Publication]:
    """The newest current category-3 and category-4 publications of the school that may be
    shown now, each photo once per category."""
    publications = latest_current(
        Publication.objects.filter(category__in=CATEGORIES, photo__school=school)
    )
    newest = publications.select_related("photo__group").order_by("-published_at", "-pk")
    return shown_now(newest[:CHOOSE_FROM])


def last_valid_day(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=MAX_DAYS)


def create(
    school: School, *, title: str, publication_ids: list[int], valid_until: date, actor
) -> Newsletter:
    """A newsletter of the picked publications (of `school`, categories 3 and 4, shown now),
    whose links work until the end of `valid_until` (at most MAX_DAYS ahead), audited."""
    today = timezone.localdate()
    if not today <= valid_until <= last_valid_day(today):
        raise NewsletterError(
            _("Choose a date from today up to %(days)s days ahead.") % {"days": MAX_DAYS}
        )
    allowed = {p.pk: p for p in pickable(school)}
    picked = [allowed[pk] for pk in dict.fromkeys(publication_ids) if pk in allowed]
    if not picked or len(picked) != len(set(publication_ids)):
        raise NewsletterError(_("Choose one or more of the photos listed."))
    end = timezone.make_aware(datetime.combine(valid_until + timedelta(days=1), time.min))
    with transaction.atomic():
        newsletter = Newsletter.objects.create(
            school=school, title=title.strip(), created_by=actor, expires_at=end
        )
        NewsletterItem.objects.bulk_create(
            NewsletterItem(newsletter=newsletter, publication=p) for p in picked
        )
        record(
            "albums.newsletter.created",
            actor=actor,
            obj=newsletter,
            school_id=school.pk,
            data={"publications": [p.pk for p in picked], "expires_at": end.isoformat()},
        )
    return newsletter


def items_with_state(newsletter: Newsletter) -> list[NewsletterItem]:
    """Every item, each with `available`: whether its link works now."""
    items = list(newsletter.items.select_related("publication__photo__group"))
    shown = (
        {p.pk for p in shown_now(i.publication for i in items)} if newsletter.is_open() else set()
    )
    for item in items:
        item.available = item.publication_id in shown  # type: ignore[attr-defined]
    return items


def item_for_token(token: str) -> NewsletterItem | None:
    """The item whose image may be served under this token now, or None."""
    item = (
        NewsletterItem.objects.filter(token=token)
        .select_related("newsletter", "publication")
        .first()
    )
    if item is None or not item.newsletter.is_open() or not is_shown_now(item.publication):
        return None
    return item


def zip_now(newsletter: Newsletter, *, actor) -> bytes:
    """The images that may be shown now, in one zip (file names hold ids only); the copy
    leaves Consentry, so who took it is recorded."""
    if not newsletter.is_open():
        raise NewsletterError(_("This newsletter's links have ended."))
    available = [i.publication for i in items_with_state(newsletter) if i.available]  # type: ignore[attr-defined]
    if not available:
        raise NewsletterError(_("None of the photos may be shown any more."))
    data = publishing.zip_of(available)  # type: ignore[arg-type]
    record(
        "albums.newsletter.zip",
        actor=actor,
        obj=newsletter,
        school_id=newsletter.school_id,
        data={"publications": [p.pk for p in available]},
    )
    return data


def end(newsletter: Newsletter, *, actor) -> bool:
    """Stop every link of the newsletter now; returns whether it was still open."""
    with transaction.atomic():
        changed = Newsletter.objects.filter(pk=newsletter.pk, ended_at=None).update(
            ended_at=timezone.now(), ended_by=actor
        )
        if changed:
            record(
                "albums.newsletter.ended",
                actor=actor,
                obj=newsletter,
                school_id=newsletter.school_id,
            )
    return bool(changed)


def of_school(school: School) -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(school=school).select_related("created_by")
