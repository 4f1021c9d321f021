"""The retention pages keep the markup rules of every page (one h1, landmarks, the CSP)."""

import re
from datetime import date

import pytest
from django.urls import reverse

from tests.pages.helpers import client_for
from tests.retention.helpers import give_history, mark_left

PAGES = [
    ("parent", "pupil_data", "pupil_id"),
    ("leadership", "pupil_data", "pupil_id"),
    ("leadership", "pupil_erase", "pupil_id"),
    ("privacy_officer", "retention_overview", "school_id"),
]


@pytest.mark.parametrize("left", [False, True])
@pytest.mark.parametrize(("persona", "name", "key"), PAGES)
def test_the_pages_keep_the_markup_rules(world, persona, name, key, left):
    give_history(world)
    if left:
        mark_left(world.emma, date(2025, 6, 30))
    target = world.emma if key == "pupil_id" else world.school
    response = client_for(getattr(world, persona)).get(reverse(name, args=[target.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert '<html lang="en">' in html and '<main id="main"' in html
    assert not re.search(r"\sstyle=", html), "inline styles are refused by the CSP"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline scripts are refused"
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert f'id="{label_for}"' in html, f"label for a missing field: {label_for}"
