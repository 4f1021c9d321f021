"""Retention of photos per audience, erasure of a pupil in photos, and photos in the export
(consentry/photos/retention.py), with the clock moved forward through `retention.run(now=)`."""

import io
import json
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from consentry.photos import publishing, storage
from consentry.photos import retention as photo_retention
from consentry.photos.models import Face, Photo, Publication
from consentry.retention import erasure, services
from consentry.schools.models import Pupil
from tests.adhoc.helpers import ask
from tests.files import stored_files
from tests.photos.helpers import make_photo, small_jpeg
from tests.retention.helpers import mark_left, moment, rows_pointing_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def photo(world):
    """Emma tagged; both guardians say yes to categories 1-3 and no to 4."""
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {1: True, 2: True, 3: True, 4: False})
    return photo


@pytest.fixture
def published(world, photo):
    """One publication per audience, published on 1 October 2026."""
    day = moment(date(2026, 10, 1))
    audiences = {1: 1, 2: 2, 3: 3, 4: 4, "r": ask(world)}
    made = {}
    for key, audience in audiences.items():
        publication = publishing.publish(photo, audience, "blur", actor=world.teacher)
        Publication.objects.filter(pk=publication.pk).update(published_at=day)
        made[key] = publication
    Photo.objects.filter(pk=photo.pk).update(created_at=day)
    return made


def _run(capture, now: datetime, dry_run: bool = False):
    with capture(execute=True):
        return {r.rule.name: r for r in services.run(now=now, dry_run=dry_run)}


def _destroyed(publication: Publication) -> bool:
    publication.refresh_from_db()
    return not bytes(publication.wrapped_key)


def _files() -> set[str]:
    return set(stored_files(storage.FOLDER) + stored_files(publishing.FOLDER))


def _entries(rule: str) -> list[dict]:
    return [
        e.data
        for e in AuditEntry.objects.filter(action="retention.destroyed")
        if e.data["rule"] == rule
    ]


def test_an_original_goes_after_its_days_and_a_published_one_keeps_an_empty_row(
    world, photo, published, django_capture_on_commit_callbacks
):
    lone = make_photo(world, small_jpeg())
    Photo.objects.filter(pk=lone.pk).update(created_at=moment(date(2026, 10, 2)))
    files = _files()
    runs = _run(django_capture_on_commit_callbacks, moment(date(2027, 10, 1)))  # 365 days
    assert runs["photos.original"].due == []
    runs = _run(django_capture_on_commit_callbacks, moment(date(2027, 10, 3)))
    assert {i.pk for i in runs["photos.original"].due} == {photo.pk, lone.pk}
    assert not Photo.objects.filter(pk=lone.pk).exists()
    photo.refresh_from_db()
    assert bytes(photo.wrapped_key) == b"" and photo.original_name == ""
    assert (photo.status, photo.error) == (Photo.Status.FAILED, "unreadable")
    assert not photo.faces.exists() and not Face.objects.filter(photo=lone.pk).exists()
    gone = files - _files()
    assert {n for n in gone if n.startswith("photos/")} == {photo.storage_name, lone.storage_name}
    assert Publication.objects.filter(photo=photo).count() == 5  # the proof stays
    assert _entries("photos.original")[0]["ids"] == sorted([photo.pk, lone.pk])
    assert (
        _run(django_capture_on_commit_callbacks, moment(date(2027, 10, 4)))["photos.original"].due
        == []
    )


def test_the_class_group_photo_goes_after_the_school_year(
    world, published, django_capture_on_commit_callbacks
):
    runs = _run(django_capture_on_commit_callbacks, moment(date(2027, 7, 31)))
    assert runs["photos.class_group"].due == []
    files = _files()
    runs = _run(django_capture_on_commit_callbacks, moment(date(2027, 8, 1)))
    assert [i.pk for i in runs["photos.class_group"].due] == [published[2].pk]
    assert [key for key, p in published.items() if _destroyed(p)] == [2]
    gone = files - _files()
    assert gone == {published[2].storage_name}
    entry = _entries("photos.class_group")[0]
    assert entry["ids"] == [published[2].pk] and entry["counts"] == {"photos.publication": 1}


def test_other_audiences_go_after_their_days_and_the_portfolio_stays_at_school(
    world, published, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks, moment(date(2027, 10, 1)))
    assert [key for key, p in published.items() if _destroyed(p)] == [2]
    files = _files()
    runs = _run(django_capture_on_commit_callbacks, moment(date(2027, 10, 2)))
    due = {i.pk for i in runs["photos.publication"].due}
    assert due == {published[3].pk, published[4].pk, published["r"].pk}
    assert [key for key, p in published.items() if not _destroyed(p)] == [1]
    gone = {n for n in files - _files() if n.startswith("renditions/")}  # and the original
    assert gone == {published[k].storage_name for k in (3, 4, "r")}
    row = Publication.objects.get(pk=published[3].pk)
    assert row.sha256 and row.snapshot and row.withdrawn_at  # the proof stays
    assert not storage.missing_files()  # the emptied photo row has no file on purpose
    assert list(publishing.current(world.group, 3)) == []
    assert (
        _run(django_capture_on_commit_callbacks, moment(date(2035, 1, 1)))["photos.portfolio"].due
        == []
    )  # Emma is still at school


def test_the_portfolio_goes_when_the_pupil_left_long_enough(
    world, published, django_capture_on_commit_callbacks
):
    mark_left(world.emma, date(2027, 7, 1))
    now = moment(date(2029, 7, 1))  # the last day of her two years
    assert list(photo_retention.expired_portfolio(now)) == []
    later = moment(date(2029, 7, 2))
    assert [i.pk for i in photo_retention.expired_portfolio(later)] == [published[1].pk]
    Pupil.objects.filter(pk=world.emma.pk).update(left_on=None)
    assert list(photo_retention.expired_portfolio(later)) == []


def test_a_dry_run_changes_nothing(world, photo, published, django_capture_on_commit_callbacks):
    files, entries = _files(), AuditEntry.objects.count()
    runs = _run(django_capture_on_commit_callbacks, moment(date(2028, 1, 1)), dry_run=True)
    assert runs["photos.original"].due and runs["photos.publication"].due
    assert runs["photos.class_group"].due
    assert _files() == files and AuditEntry.objects.count() == entries
    assert not any(_destroyed(p) for p in published.values())
    assert photo.faces.exists()


def test_erasing_a_pupil_who_left_untags_them_and_destroys_where_visible(
    world, photo, published, django_capture_on_commit_callbacks
):
    mark_left(world.emma, timezone.localdate() - timedelta(days=1))
    assert erasure.refusals(world.emma) == []
    face = photo.faces.get()
    files = _files()
    with django_capture_on_commit_callbacks(execute=True):
        counts = erasure.erase_pupil(world.emma, actor=world.leadership, reason="not_needed")
    assert counts["photos.face"] == 1 and counts["photos.publication"] == 3
    face.refresh_from_db()
    assert face.pupil_id is None and face.kind == Face.Kind.UNKNOWN  # stays blurred
    destroyed = [key for key, p in published.items() if _destroyed(p)]
    assert destroyed == [1, 2, 3]  # visible there; blurred for 4 and the unanswered request
    assert files - _files() == {published[k].storage_name for k in destroyed}
    assert rows_pointing_at(world.emma) == {}
    assert not Pupil.objects.filter(pk=world.emma.pk).exists()


def _zip(user, pupil) -> zipfile.ZipFile:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("pupil_data_zip", args=[pupil.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_export_holds_the_renditions_in_which_the_pupil_is_visible(world, photo, published):
    publishing.publish(make_photo(world, small_jpeg()), 2, "blur", actor=world.teacher)
    visible = [published[k] for k in (1, 2, 3)]  # blurred for 4 and the unanswered request
    expected = sorted(f"photos/publication-{p.pk}-2026-10-01.jpg" for p in visible)
    for user in (world.leadership, world.parent):
        archive = _zip(user, world.emma)
        names = sorted(n for n in archive.namelist() if n.startswith("photos/") and n != "photos/")
        assert names == expected
        for name in names:
            image = Image.open(io.BytesIO(archive.read(name)))
            assert image.format == "JPEG"
            image.verify()
        section = json.loads(archive.read("data.json"))["photos"]
        assert [entry["photo"] for entry in section] == [photo.pk]
        audiences = {p["audience"]: p["visible"] for p in section[0]["publications"]}
        assert audiences == {
            "1": True,
            "2": True,
            "3": True,
            "4": False,
            f"r{published['r'].consent_request_id}": False,
        }
        assert "Emma" not in " ".join(names)
    assert [n for n in _zip(world.leadership, world.noah).namelist() if n.endswith(".jpg")] == []
