"""The signed agreement: PDF only, stored privately, served only to those who may read it."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.processors.models import Agreement
from consentry.processors.storage import private_storage
from tests.files import read_stored, stored_files
from tests.processors.helpers import PDF, attach_document, make_agreement, make_processor


@pytest.fixture
def processor(world):
    return make_processor(world.board, "Lenswerk")


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def upload(client, processor, content: bytes, name: str):
    body = {
        "model_version": "Model Verwerkersovereenkomst 4.0",
        "signed_on": "2026-03-01",
        "review_on": "2028-03-01",
        "anonymised": "no",
        "document": SimpleUploadedFile(name, content, content_type="application/pdf"),
    }
    return client.post(reverse("agreement_create", args=[processor.pk]), body)


def test_a_pdf_is_stored_privately_under_a_random_name(world, processor):
    response = upload(client_for(world.privacy_officer), processor, PDF, "getekend.pdf")
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    [name] = stored_files()
    assert read_stored(name) == PDF and name == agreement.document.name
    assert name.startswith("agreements/") and name.endswith(".pdf") and "getekend" not in name
    assert agreement.document_name == "getekend.pdf"
    assert agreement.document_sha256 == hashlib.sha256(PDF).hexdigest()
    entry = AuditEntry.objects.get(action="agreement.created")
    assert entry.data["document_sha256"] == agreement.document_sha256
    assert "document" in entry.data["fields"]


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"hello", "notes.txt", "as a PDF file"),
        (b"PK\x03\x04 a zip", "agreement.pdf", "is not a PDF document"),
        (b"<html><script>alert(1)</script>", "agreement.PDF", "is not a PDF document"),
    ],
)
def test_anything_but_a_pdf_is_refused_and_nothing_is_stored(
    world, processor, content, name, message
):
    response = upload(client_for(world.privacy_officer), processor, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Agreement.objects.exists()
    assert stored_files() == []
    assert not AuditEntry.objects.filter(action__startswith="agreement.").exists()


def test_a_file_over_the_limit_is_refused(world, processor, settings):
    settings.AGREEMENT_MAX_DOCUMENT_BYTES = len(PDF) - 1
    response = upload(client_for(world.privacy_officer), processor, PDF, "big.pdf")
    assert "larger than" in response.content.decode()
    assert not Agreement.objects.exists() and stored_files() == []


def test_the_leadership_may_not_upload(world, processor):
    response = upload(client_for(world.leadership), processor, PDF, "signed.pdf")
    assert response.status_code == 403
    assert not Agreement.objects.exists() and stored_files() == []


@pytest.mark.parametrize(
    "persona, status",
    [
        ("privacy_officer", 200),
        ("leadership", 200),
        ("teacher", 404),
        ("parent", 404),
        ("intern", 404),
        ("other_leadership", 404),
    ],
)
def test_the_document_is_served_only_to_those_who_read_the_register(
    world, processor, persona, status
):
    agreement = make_agreement(processor)
    attach_document(agreement, name="getekend.pdf")
    response = client_for(getattr(world, persona)).get(
        reverse("agreement_document", args=[agreement.pk])
    )
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert "getekend.pdf" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]


def test_anonymous_visitors_are_sent_to_sign_in(world, processor):
    agreement = make_agreement(processor)
    attach_document(agreement)
    response = Client().get(reverse("agreement_document", args=[agreement.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_document_has_no_public_url(world, processor):
    agreement = make_agreement(processor)
    attach_document(agreement)
    with pytest.raises(ValueError):
        agreement.document.url  # noqa: B018
    assert stored_files() == [agreement.document.name]
    try:
        path = Path(private_storage.path(agreement.document.name))
    except NotImplementedError:  # in a bucket: there is no path at all
        path = None
    for public_root in (settings.STATIC_ROOT, settings.MEDIA_ROOT):
        if public_root and path:
            assert Path(public_root).resolve() not in path.resolve().parents
    client = client_for(world.privacy_officer)
    for prefix in ("/media/", "/static/", "/"):
        assert client.get(prefix + agreement.document.name).status_code == 404


def test_an_agreement_without_document_gives_404(world, processor):
    agreement = make_agreement(processor)
    response = client_for(world.privacy_officer).get(
        reverse("agreement_document", args=[agreement.pk])
    )
    assert response.status_code == 404


def test_a_new_document_replaces_the_old_one_after_the_change_commits(
    world, processor, django_capture_on_commit_callbacks
):
    agreement = make_agreement(processor)
    attach_document(agreement, name="old.pdf")
    old_name = agreement.document.name
    body = {
        "model_version": agreement.model_version,
        "signed_on": agreement.signed_on.isoformat(),
        "anonymised": "no",
        "document": SimpleUploadedFile("new.pdf", PDF + b"% v2\n"),
    }
    client = client_for(world.privacy_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agreement_edit", args=[agreement.pk]), body)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.document_name == "new.pdf"
    assert not private_storage.exists(old_name)
    assert [read_stored(name) for name in stored_files()] == [PDF + b"% v2\n"]


def test_editing_without_a_new_file_keeps_the_document(world, processor):
    agreement = make_agreement(processor)
    attach_document(agreement)
    body = {
        "model_version": "Model 4.0, herzien",
        "signed_on": agreement.signed_on.isoformat(),
        "anonymised": "yes",
    }
    client_for(world.privacy_officer).post(reverse("agreement_edit", args=[agreement.pk]), body)
    agreement.refresh_from_db()
    assert agreement.model_version == "Model 4.0, herzien"
    assert len(stored_files()) == 1 and agreement.document
