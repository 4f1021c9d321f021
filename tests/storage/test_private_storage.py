"""The private storage on a real S3 server (SeaweedFS on loopback): every private file goes
to the bucket (photos encrypted before the store sees them), none is public or has a URL;
and the probe that /healthz runs, on both kinds of storage."""

import urllib.request
from pathlib import Path
from urllib.error import HTTPError

import pytest
from django.core.files.base import ContentFile

from consentry.photos import services as photo_services
from consentry.photos import storage as photo_storage
from consentry.photos.publishing import publish, read_rendition
from consentry.processors.storage import check_storage, files_in, private_storage
from tests.adhoc.helpers import ask, image_bytes
from tests.files import read_stored, stored_files
from tests.photos.helpers import astronaut_jpeg, make_photo
from tests.processors.helpers import PDF, attach_document, make_agreement, make_processor
from tests.research.helpers import add_material, make_project
from tests.seaweedfs import free_port

LOCAL = {"BACKEND": "consentry.processors.storage.PrivateStorage"}


def _prefix() -> str:
    return private_storage.location  # this test's own place in the bucket


def test_every_private_file_goes_to_the_bucket_and_nothing_to_disk(world, s3_storage, settings):
    original = astronaut_jpeg()
    photo = make_photo(world, original)
    publication = publish(photo, 2, "blur", actor=world.teacher)
    agreement = make_agreement(make_processor(world.board))
    attach_document(agreement)
    material = add_material(make_project(world))
    request = ask(world, preview=image_bytes())

    names = {
        photo.storage_name,
        publication.storage_name,
        agreement.document.name,
        material.file.name,
        request.preview.name,
    }
    assert {name.split("/")[0] for name in names} == {
        "photos",
        "renditions",
        "agreements",
        "research",
        "requests",
    }
    assert set(s3_storage.keys(_prefix())) == {f"{_prefix()}/{name}" for name in names}
    assert not (Path(settings.DATA_DIR) / "private").exists()

    # Encrypted before the store saw it, and read back through the same code as ever.
    stored = read_stored(photo.storage_name)
    assert original[:64] not in stored and b"JFIF" not in stored
    assert photo_services.read_original(photo) == original
    assert read_rendition(publication)[:3] == b"\xff\xd8\xff"
    assert read_stored(agreement.document.name) == PDF


def test_nothing_in_the_bucket_can_be_read_without_the_key_or_through_a_url(world, s3_storage):
    photo = make_photo(world)
    agreement = make_agreement(make_processor(world.board))
    attach_document(agreement)
    for name in (photo.storage_name, agreement.document.name):
        anonymous = f"{s3_storage.endpoint_url}/{s3_storage.bucket}/{_prefix()}/{name}"
        with pytest.raises(HTTPError) as refused:
            urllib.request.urlopen(anonymous, timeout=10)
        assert refused.value.code == 403
        with pytest.raises(ValueError, match="no URL"):
            private_storage.url(name)
    with pytest.raises(ValueError, match="no URL"):
        agreement.document.url  # noqa: B018


def test_no_acl_is_ever_sent_so_objects_stay_the_bucket_owners(world, s3_storage):
    sent: list[dict] = []
    events = private_storage.connection.meta.client.meta.events
    events.register("before-parameter-build.s3.PutObject", lambda params, **_: sent.append(params))
    make_photo(world)
    private_storage.save("agreements/probe.pdf", ContentFile(PDF))
    assert len(sent) == 2 and not any("ACL" in params for params in sent)


def test_a_name_in_use_is_never_overwritten(s3_storage):
    first = private_storage.save("agreements/a.pdf", ContentFile(b"first"))
    second = private_storage.save("agreements/a.pdf", ContentFile(b"second"))
    assert first == "agreements/a.pdf" and second != first
    assert (read_stored(first), read_stored(second)) == (b"first", b"second")


def test_folders_in_a_bucket_are_seen_for_orphans_and_missing_files(world, s3_storage):
    """In a bucket a folder exists only as the start of names: listing must still see it."""
    photo = make_photo(world)
    assert files_in("photos") == [photo.storage_name]
    assert files_in("nothing-here") == []
    stray = private_storage.save("photos/left-by-a-crash.bin", ContentFile(b"x"))
    assert photo_storage.orphan_files() == {stray}
    private_storage.delete(photo.storage_name)
    assert photo_storage.missing_files() == {photo.storage_name}
    assert stored_files() == [stray]


@pytest.mark.parametrize("where", ["local", "s3"])
def test_the_probe_is_none_when_healthy_and_leaves_nothing(request, settings, where):
    if where == "s3":
        request.getfixturevalue("s3_storage")
    else:
        settings.STORAGES = {**settings.STORAGES, "private": LOCAL}
    assert check_storage() is None
    assert stored_files() == [] and files_in("healthz") == []


def test_the_probe_names_what_is_wrong_with_the_bucket(settings, s3_storage):
    def broken(**options) -> str | None:
        entry = s3_storage.storage_setting()
        entry["OPTIONS"].update(options)
        settings.STORAGES = {**settings.STORAGES, "private": entry}
        return check_storage()

    assert broken(bucket_name="another-bucket") == "ClientError 403"  # the key's rights end
    assert broken(secret_key="wrong") == "ClientError 403"
    assert broken(endpoint_url=f"http://127.0.0.1:{free_port()}") == "EndpointConnectionError"
    assert broken() is None


def test_the_probe_says_when_the_folder_cannot_be_written(settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where DATA_DIR should be")
    settings.STORAGES = {**settings.STORAGES, "private": LOCAL}
    settings.DATA_DIR = blocked
    assert check_storage() in ("FileExistsError", "NotADirectoryError")
