"""One date style per language: Dutch month names and order, English the European way.

Dutch: "7 december 2026", "07-12-2026", "14:30". English: "7 December 2026", "07/12/2026",
"14:30" (Django's own English formats are American: "Dec. 7, 2026", "12/07/2026", "2:30 p.m.").
"""

from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import formats, translation

from tests.adhoc.helpers import ask

DAY = date(2030, 12, 7)
MOMENT = datetime(2030, 12, 7, 14, 30)


def children_page(world, language: str) -> str:
    client = Client()
    client.cookies["django_language"] = language
    client.force_login(world.parent)
    return client.get("/children/").text


def test_a_dutch_page_shows_dutch_month_names(world):
    ask(world, world.emma, deadline=DAY)  # a question from the school, answer by 7 December
    page = children_page(world, "nl")
    assert "7 december 2030" in page
    assert "December" not in page and "Dec." not in page


def test_an_english_page_shows_the_day_before_the_month(world):
    ask(world, world.emma, deadline=DAY)
    page = children_page(world, "en")
    assert "answer by 7 December 2030" in page
    assert "Dec. 7, 2030" not in page


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "nl",
            {
                "DATE_FORMAT": "7 december 2030",
                "SHORT_DATE_FORMAT": "07-12-2030",
                "DATETIME_FORMAT": "7 december 2030, 14:30",
                "SHORT_DATETIME_FORMAT": "07-12-2030 14:30",
                "TIME_FORMAT": "14:30",
            },
        ),
        (
            "en",
            {
                "DATE_FORMAT": "7 December 2030",
                "SHORT_DATE_FORMAT": "07/12/2030",
                "DATETIME_FORMAT": "7 December 2030, 14:30",
                "SHORT_DATETIME_FORMAT": "07/12/2030 14:30",
                "TIME_FORMAT": "14:30",
            },
        ),
    ],
)
def test_the_formats_per_language(language, expected):
    with translation.override(language):
        shown = {name: formats.date_format(MOMENT, name) for name in expected}
    assert shown == expected


def test_english_forms_read_a_typed_date_day_first():
    from django import forms

    with translation.override("en"):
        assert forms.DateField().clean("07/12/2030") == DAY
        assert forms.DateField().clean("2030-12-07") == DAY
