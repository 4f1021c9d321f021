"""Encryption at rest: a key per file, wrapped by the master key; deleting destroys it."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from consentry.photos import crypto, storage
from consentry.photos.models import Photo
from consentry.photos.services import delete_photo, read_original
from tests.photos.helpers import astronaut_jpeg, make_photo


def _on_disk(photo: Photo) -> bytes:
    with storage.storage().open(photo.storage_name, "rb") as handle:
        return handle.read()


def test_seal_and_unseal_round_trip_with_a_fresh_key_each_time():
    first = crypto.seal(b"pixels", bound_to="photos/a.bin")
    second = crypto.seal(b"pixels", bound_to="photos/a.bin")
    assert first.ciphertext != second.ciphertext
    assert first.wrapped_key != second.wrapped_key
    assert crypto.unseal(first.ciphertext, first.wrapped_key, bound_to="photos/a.bin") == b"pixels"


def test_a_file_moved_to_another_name_does_not_decrypt():
    sealed = crypto.seal(b"pixels", bound_to="photos/a.bin")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(sealed.ciphertext, sealed.wrapped_key, bound_to="photos/b.bin")


def test_another_master_key_cannot_unwrap(settings):
    sealed = crypto.seal(b"pixels", bound_to="x")
    settings.MASTER_KEY = bytes(32)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(sealed.ciphertext, sealed.wrapped_key, bound_to="x")


def test_the_file_on_disk_is_not_the_photo_and_decrypts_to_exactly_the_upload(world):
    data = astronaut_jpeg()
    photo = make_photo(world, data)
    on_disk = _on_disk(photo)
    assert data not in on_disk and data[:64] not in on_disk
    assert b"JFIF" not in on_disk
    assert read_original(photo) == data
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.stored_names() == {photo.storage_name}
    assert photo.storage_name.startswith("photos/")


def test_tampered_ciphertext_fails(world):
    photo = make_photo(world)
    content = bytearray(_on_disk(photo))
    content[100] ^= 1
    storage.storage().delete(photo.storage_name)
    assert storage.storage().save(photo.storage_name, ContentFile(content)) == photo.storage_name
    with pytest.raises(crypto.DecryptionFailed):
        read_original(photo)


def test_deleting_destroys_the_key_and_the_file(world, django_capture_on_commit_callbacks):
    photo = make_photo(world)
    ciphertext = _on_disk(photo)
    wrapped_before = bytes(photo.wrapped_key)
    with django_capture_on_commit_callbacks(execute=True):
        delete_photo(photo, actor=world.teacher)
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert storage.stored_names() == set()
    # Even a backup of the file is useless without the wrapped key, which lived on the row.
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(ciphertext, b"", bound_to=photo.storage_name)
    assert wrapped_before  # it existed, and only on the (now deleted) row


def test_private_storage_makes_no_url(world):
    photo = make_photo(world)
    with pytest.raises(ValueError):
        storage.storage().url(photo.storage_name)
