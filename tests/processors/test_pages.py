"""The processors pages: who sees which processors lack a valid agreement, who changes them."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.processors.demo import seed_processors
from consentry.processors.models import AgreementStatus, Processor
from consentry.processors.services import due_for_review, without_valid_agreement
from tests.processors.helpers import make_agreement, make_processor


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_who_has_no_valid_agreement_and_why(world):
    today = timezone.localdate()
    make_processor(world.board, "Werkwijzer")
    make_agreement(make_processor(world.board, "Cito"), ends_on=today - timedelta(days=3))
    make_agreement(make_processor(world.board, "Parro"), signed_on=today - timedelta(days=9))
    response = client_for(world.leadership).get(reverse("processor_list", args=[world.board.pk]))
    missing = response.context["missing"]
    assert [(p.company, status) for p, status in missing] == [
        ("Cito", AgreementStatus.EXPIRED),
        ("Werkwijzer", AgreementStatus.NONE),
    ]
    html = response.content.decode()
    assert "Agreement expired" in html and "No agreement" in html
    assert reverse("processor_create", args=[world.board.pk]) not in html  # reading only


def test_the_privacy_officer_adds_a_processor_with_its_categories(world):
    body = {
        "company": "Fotostudio Lenswerk",
        "product": "Schoolfoto's",
        "categories": ["1", "2"],
        "in_use": "on",
    }
    client = client_for(world.privacy_officer)
    response = client.post(reverse("processor_create", args=[world.board.pk]), body)
    assert response.status_code == 302
    processor = Processor.objects.get()
    assert (processor.board, processor.categories) == (world.board, [1, 2])
    assert AuditEntry.objects.filter(action="processor.created", object_id=str(processor.pk))


def test_category_5_does_not_exist(world):
    body = {"company": "X", "product": "Y", "categories": ["5"], "in_use": "on"}
    client = client_for(world.privacy_officer)
    response = client.post(reverse("processor_create", args=[world.board.pk]), body)
    assert response.status_code == 200 and not Processor.objects.exists()


def test_the_leadership_cannot_add_a_processor(world):
    body = {"company": "X", "product": "Y", "in_use": "on"}
    response = client_for(world.leadership).post(
        reverse("processor_create", args=[world.board.pk]), body
    )
    assert response.status_code == 403 and not Processor.objects.exists()


def test_another_boards_people_see_nothing(world):
    processor = make_processor(world.board)
    client = client_for(world.other_leadership)
    assert client.get(reverse("processor_list", args=[world.board.pk])).status_code == 404
    assert client.get(reverse("processor_detail", args=[processor.pk])).status_code == 404


def test_the_demo_shows_every_state(world):
    today = timezone.localdate()
    seed_processors(world.board, world.privacy_officer, today)
    missing = {p.company: status for p, status in without_valid_agreement(world.board, today)}
    assert missing == {
        "Cito": AgreementStatus.EXPIRED,
        "Uitgeverij Werkwijzer": AgreementStatus.NONE,
    }
    assert [a.processor.company for a in due_for_review(world.board, today)] == [
        "Fotostudio Lenswerk"
    ]
    assert world.board.processing_activities.count() == 5
