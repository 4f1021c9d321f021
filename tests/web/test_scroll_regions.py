"""A table that may scroll sideways must be reachable by keyboard (WCAG 2.1.1; axe-core's
scrollable-region-focusable): every `.table-scroll` wrapper in every template is a named
region that takes focus, so a keyboard user can scroll it with the arrow keys."""

import re
from pathlib import Path

from django.conf import settings

WRAPPER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-scroll\b[^\"]*\"[^>]*>")


def wrappers() -> list[tuple[str, str]]:
    found = []
    for template in sorted(Path(settings.BASE_DIR).rglob("templates/**/*.html")):
        for tag in WRAPPER.findall(template.read_text()):
            found.append((str(template.relative_to(settings.BASE_DIR)), tag))
    return found


def test_there_are_scrolling_tables_to_check():
    assert len(wrappers()) > 20


def test_every_scrolling_table_is_a_named_region_that_takes_focus():
    wrong = [
        f"{name}: {tag}"
        for name, tag in wrappers()
        if 'tabindex="0"' not in tag
        or 'role="region"' not in tag
        or not re.search(r"\baria-label(ledby)?=\"[^\"]+\"", tag)
    ]
    assert not wrong, "Not reachable by keyboard:\n" + "\n".join(wrong)
