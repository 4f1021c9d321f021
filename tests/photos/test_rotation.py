"""Replacing the master key: what was stored before opens with the new key only, all or
nothing, and a bad new key changes nothing."""

import base64
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from consentry.audit.models import AuditEntry
from consentry.photos.crypto import DecryptionFailed
from consentry.photos.models import Photo, Publication
from consentry.photos.publishing import publish, read_rendition
from consentry.photos.services import read_original
from tests.files import read_stored, stored_files
from tests.photos.helpers import make_photo, small_jpeg

NEW_KEY = os.urandom(32)


def rotate(monkeypatch, new_key: bytes | str = NEW_KEY) -> str:
    value = base64.b64encode(new_key).decode() if isinstance(new_key, bytes) else new_key
    monkeypatch.setenv("CONSENTRY_NEW_MASTER_KEY", value)
    out = StringIO()
    call_command("rotate_master_key", stdout=out)
    return out.getvalue()


def wrapped_keys() -> dict[str, bytes]:
    rows = [*Photo.objects.order_by("pk"), *Publication.objects.order_by("pk")]
    return {f"{row._meta.model_name} {row.pk}": bytes(row.wrapped_key) for row in rows}


@pytest.fixture
def published(world):
    photo = make_photo(world)
    return photo, publish(photo, 2, "blur", actor=world.teacher)


def test_after_rotation_the_files_open_with_the_new_key_only(
    world, published, settings, monkeypatch
):
    photo, publication = published
    original, rendition = read_original(photo), read_rendition(publication)
    destroyed = make_photo(world, small_jpeg())
    Photo.objects.filter(pk=destroyed.pk).update(wrapped_key=b"")  # as retention leaves it
    files = {name: read_stored(name) for name in stored_files()}
    old_key = settings.MASTER_KEY

    out = rotate(monkeypatch)

    assert "Re-wrapped 1 photo key(s) and 1 rendition key(s)" in out
    assert "set CONSENTRY_MASTER_KEY to the new key" in out
    photo.refresh_from_db()
    publication.refresh_from_db()
    settings.MASTER_KEY = NEW_KEY
    assert read_original(photo) == original and read_rendition(publication) == rendition
    settings.MASTER_KEY = old_key
    with pytest.raises(DecryptionFailed):
        read_original(photo)
    with pytest.raises(DecryptionFailed):
        read_rendition(publication)
    assert bytes(Photo.objects.get(pk=destroyed.pk).wrapped_key) == b""  # stays destroyed
    assert {name: read_stored(name) for name in stored_files()} == files  # files untouched
    entry = AuditEntry.objects.get(action="photos.master_key_rotated")
    assert entry.data == {
        "already under the new key": 0,
        "photos": 1,
        "publications": 1,
        "research videos": 0,
    }


@pytest.mark.parametrize(
    "new_key, message",
    [
        ("", "Set CONSENTRY_NEW_MASTER_KEY"),
        ("not base64!", "exactly 32 bytes"),
        (base64.b64encode(os.urandom(16)).decode(), "exactly 32 bytes"),
        (None, "The new master key is the current one."),
    ],
)
def test_a_bad_new_key_changes_nothing(world, published, settings, monkeypatch, new_key, message):
    before = wrapped_keys()
    with pytest.raises(CommandError, match=message):
        rotate(monkeypatch, settings.MASTER_KEY if new_key is None else new_key)
    assert wrapped_keys() == before
    assert not AuditEntry.objects.filter(action="photos.master_key_rotated").exists()
    assert read_original(published[0])  # still opens with the current key


def test_one_key_that_will_not_open_stops_the_whole_rotation(world, published, monkeypatch):
    photo, publication = published
    Publication.objects.filter(pk=publication.pk).update(wrapped_key=b"\x00" * 60)
    before = wrapped_keys()
    with pytest.raises(CommandError, match=rf"1 publications \(ids {publication.pk}\) have a key"):
        rotate(monkeypatch)
    assert wrapped_keys() == before  # the photo's key, rotated first, was rolled back too
    assert read_original(photo)


def test_a_second_run_wraps_only_what_is_still_under_the_old_key(
    world, published, settings, monkeypatch
):
    """A photo uploaded by a process that still had the old key is picked up by a rerun."""
    rotate(monkeypatch)
    data = small_jpeg()
    late = make_photo(world, data)  # this process still has the old key
    out = rotate(monkeypatch)
    assert "Re-wrapped 1 photo key(s) and 0 rendition key(s)" in out
    assert "2 were already under it" in out
    settings.MASTER_KEY = NEW_KEY
    late.refresh_from_db()
    assert read_original(late) == data
