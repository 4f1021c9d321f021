"""The processing register (GDPR art. 30): kept by the privacy officer, exported safely."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from consentry.audit.models import AuditEntry
from consentry.processors.export import safe_cell
from consentry.processors.models import LegalBasis, ProcessingActivity
from tests.processors.helpers import make_register


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_six_legal_bases_of_article_6(world):
    assert len(LegalBasis.choices) == 6
    assert {"consent", "contract", "legal_obligation", "vital_interests", "public_task"} < set(
        LegalBasis.values
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+31 36 123", "'+31 36 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Naam, groep = klas", "Naam, groep = klas"),
        ("", ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_made_text(value, expected):
    assert safe_cell(value) == expected


def test_the_csv_export_has_every_column_and_escapes_formulas(world):
    register = make_register(world.board, document=False)
    ProcessingActivity.objects.create(
        board=world.board,
        name="=cmd|' /C calc'!A0",
        purpose="@evil",
        legal_basis=LegalBasis.PUBLIC_TASK,
        data_categories="-1",
        data_subjects="+1",
        retention="Twee jaar; daarna vernietigd",
    )
    response = client_for(world.leadership).get(
        reverse("processing_register_csv", args=[world.board.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="processing-register')
    header, *rows = read_csv(response)
    assert len(header) == 10 and header[0] == "Activity"
    by_name = {row[0]: row for row in rows}
    photo = by_name["Schoolfotografie"]
    assert photo[1] == register.activity.purpose
    assert photo[2] == LegalBasis.CONSENT.label
    assert photo[6] == str(register.processor)
    evil = by_name["'=cmd|' /C calc'!A0"]
    assert evil[1:5] == ["'@evil", str(LegalBasis.PUBLIC_TASK.label), "'-1", "'+1"]
    assert evil[7] == "Twee jaar; daarna vernietigd"


def test_the_csv_holds_only_the_boards_own_activities(world):
    make_register(world.board, document=False)
    other = make_register(world.other_board, document=False)
    other.activity.name = "Elders"
    other.activity.save()
    response = client_for(world.privacy_officer).get(
        reverse("processing_register_csv", args=[world.board.pk])
    )
    assert "Elders" not in response.content.decode()


def test_the_printable_register_is_a_document_with_a_print_stylesheet(world):
    register = make_register(world.board, document=False)
    response = client_for(world.leadership).get(
        reverse("processing_register_print", args=[world.board.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "processors/register.css" in html
    for text in (
        world.board.name,
        world.privacy_officer.full_name,
        register.activity.name,
        register.activity.retention,
        str(register.processor),
        str(LegalBasis.CONSENT.label),
    ):
        assert escape(text) in html, text
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither


def test_the_print_stylesheet_hides_the_controls_on_paper():
    from django.contrib.staticfiles import finders

    path = finders.find("processors/register.css")
    assert path is not None
    with open(path) as sheet:
        css = sheet.read()
    assert "@media print" in css and ".no-print { display: none; }" in css


def test_the_privacy_officer_adds_an_activity_with_an_audit_entry(world):
    body = {
        "name": "Leerlingadministratie",
        "purpose": "Inschrijving",
        "legal_basis": "legal_obligation",
        "data_categories": "Naam",
        "data_subjects": "Leerlingen",
        "retention": "Twee jaar na vertrek",
    }
    response = client_for(world.privacy_officer).post(
        reverse("activity_create", args=[world.board.pk]), body
    )
    assert response.status_code == 302
    activity = ProcessingActivity.objects.get()
    assert activity.board == world.board
    entry = AuditEntry.objects.get(action="processingactivity.created")
    assert entry.actor_id == world.privacy_officer.pk
    assert entry.data["board"] == world.board.pk and "legal_basis" in entry.data["fields"]


def test_an_unknown_legal_basis_is_refused(world):
    body = {"name": "X", "purpose": "Y", "legal_basis": "because", "data_categories": "a"}
    response = client_for(world.privacy_officer).post(
        reverse("activity_create", args=[world.board.pk]), body
    )
    assert response.status_code == 200
    assert not ProcessingActivity.objects.exists()


def test_processors_of_another_board_cannot_be_linked(world):
    other = make_register(world.other_board, document=False)
    body = {
        "name": "X",
        "purpose": "Y",
        "legal_basis": "consent",
        "data_categories": "a",
        "data_subjects": "b",
        "retention": "c",
        "processors": [other.processor.pk],
    }
    client_for(world.privacy_officer).post(reverse("activity_create", args=[world.board.pk]), body)
    assert not ProcessingActivity.objects.filter(board=world.board).exists()


def test_the_leadership_reads_but_does_not_change_the_register(world):
    register = make_register(world.board, document=False)
    client = client_for(world.leadership)
    page = client.get(reverse("processing_register", args=[world.board.pk]))
    assert page.status_code == 200 and register.activity.name in page.content.decode()
    assert reverse("activity_edit", args=[register.activity.pk]) not in page.content.decode()
    response = client.post(
        reverse("activity_edit", args=[register.activity.pk]), {"name": "Changed"}
    )
    assert response.status_code == 403
    register.activity.refresh_from_db()
    assert register.activity.name == "Schoolfotografie"
