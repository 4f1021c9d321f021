"""A request's preview image goes 30 days after the request ended; the request stays."""

from datetime import timedelta

from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.processors.storage import private_storage
from consentry.retention import services as retention

from .helpers import ask, image_bytes


def test_the_preview_is_destroyed_30_days_after_the_deadline(
    world, django_capture_on_commit_callbacks
):
    request = ask(world, preview=image_bytes())
    name = request.preview.name
    after_deadline = timezone.now() + timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(now=after_deadline + timedelta(days=29))
    assert private_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(now=after_deadline + timedelta(days=31), dry_run=True)
    assert private_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(now=after_deadline + timedelta(days=31))
    assert not private_storage.exists(name)
    request.refresh_from_db()
    assert not request.preview  # the request itself stays: it is the proof
    entry = AuditEntry.objects.filter(action="retention.destroyed").order_by("pk").last()
    assert entry.data["rule"] == "adhoc.preview"
