"""Which processors have a valid agreement, and which a leaflet may name per category."""

from datetime import timedelta

import pytest

from consentry.processors.forms import AgreementForm
from consentry.processors.models import Agreement, AgreementStatus
from consentry.processors.services import processors_for_category, without_valid_agreement
from tests.processors.helpers import TODAY, make_agreement, make_processor

DAY = timedelta(days=1)


@pytest.fixture
def board(world):
    return world.board


def listed(board, day=TODAY):
    return {p.company: status for p, status in without_valid_agreement(board, day)}


def test_a_processor_without_any_agreement_is_listed(board):
    make_processor(board, "Werkwijzer")
    assert listed(board) == {"Werkwijzer": AgreementStatus.NONE}


def test_a_valid_agreement_is_not_listed(board):
    make_agreement(make_processor(board, "Parro"), review_on=TODAY + 300 * DAY)
    assert listed(board) == {}


def test_an_ended_agreement_is_listed_as_expired(board):
    make_agreement(make_processor(board, "Cito"), ends_on=TODAY - DAY)
    assert listed(board) == {"Cito": AgreementStatus.EXPIRED}


def test_a_passed_review_date_makes_the_agreement_invalid(board):
    processor = make_processor(board, "Lenswerk")
    make_agreement(processor, review_on=TODAY - DAY)
    assert listed(board) == {"Lenswerk": AgreementStatus.REVIEW_PASSED}


def test_the_review_and_end_dates_themselves_are_still_valid(board):
    make_agreement(make_processor(board, "A"), review_on=TODAY)
    make_agreement(make_processor(board, "B"), ends_on=TODAY)
    assert listed(board, TODAY) == {}
    assert set(listed(board, TODAY + DAY)) == {"A", "B"}


def test_an_agreement_signed_later_is_not_yet_in_force(board):
    make_agreement(make_processor(board, "Nieuw"), signed_on=TODAY + DAY)
    assert listed(board) == {"Nieuw": AgreementStatus.NOT_YET}
    assert listed(board, TODAY + DAY) == {}


def test_a_renewal_makes_the_processor_valid_again(board):
    processor = make_processor(board, "Cito")
    make_agreement(processor, signed_on=TODAY - 900 * DAY, ends_on=TODAY - 10 * DAY)
    assert listed(board) == {"Cito": AgreementStatus.EXPIRED}
    make_agreement(processor, signed_on=TODAY - 5 * DAY)
    assert listed(board) == {}


def test_a_processor_no_longer_in_use_needs_no_agreement(board):
    make_processor(board, "Oud", in_use=False)
    assert listed(board) == {}


def test_other_boards_processors_are_not_mixed_in(world):
    make_processor(world.other_board, "Elders")
    assert listed(world.board) == {}
    assert listed(world.other_board) == {"Elders": AgreementStatus.NONE}


def test_the_queryset_and_the_model_agree_on_validity(board):
    processor = make_processor(board)
    cases = [
        dict(),
        dict(review_on=TODAY - DAY),
        dict(review_on=TODAY),
        dict(ends_on=TODAY - DAY),
        dict(ends_on=TODAY + DAY, review_on=TODAY + DAY),
        dict(signed_on=TODAY + DAY),
    ]
    agreements = [make_agreement(processor, **case) for case in cases]
    in_db = set(Agreement.objects.valid_on(TODAY).values_list("pk", flat=True))
    assert in_db == {a.pk for a in agreements if a.is_valid_on(TODAY)}
    assert len(in_db) == 3


def test_processors_for_category_only_names_those_with_a_valid_agreement(world):
    board = world.board
    photographer = make_processor(board, "Lenswerk", categories=[1, 2])
    make_agreement(photographer)
    expired = make_processor(board, "Cito", categories=[1])
    make_agreement(expired, ends_on=TODAY - DAY)
    make_processor(board, "Werkwijzer", categories=[1])  # no agreement
    parro = make_processor(board, "Parro", categories=[2, 3])
    make_agreement(parro)

    assert processors_for_category(board, 1, TODAY) == [photographer]
    assert processors_for_category(world.school, 2, TODAY) == [photographer, parro]
    assert processors_for_category(world.school, 4, TODAY) == []


def test_processors_for_category_respects_the_schools_a_processor_serves(world):
    other_school = world.board.schools.create(name="De Tweede School")
    only_there = make_processor(world.board, "Lokaal", categories=[1])
    only_there.schools.add(other_school)
    make_agreement(only_there)
    everywhere = make_processor(world.board, "Overal", categories=[1])
    make_agreement(everywhere)

    assert processors_for_category(world.school, 1, TODAY) == [everywhere]
    assert processors_for_category(other_school, 1, TODAY) == [only_there, everywhere]
    assert processors_for_category(world.other_school, 1, TODAY) == []


def test_the_form_refuses_a_review_date_before_signing(world):
    processor = make_processor(world.board)
    form = AgreementForm(
        {"model_version": "4.0", "signed_on": "2026-05-01", "review_on": "2026-04-01"},
        processor=processor,
    )
    assert not form.is_valid()
    assert "review_on" in form.errors
    assert not Agreement.objects.exists()
