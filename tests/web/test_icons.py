"""Icons never depend on an emoji font: they are drawn (inline SVG, hidden from screen
readers) next to a word that says the same.

Emoji such as "no entry" (U+26D4) and "stopwatch" (U+23F1) show as empty boxes on computers
and printers without an emoji font. Plain text symbols (a check mark, a cross, a warning
sign) are in the ordinary fonts and may stay.
"""

import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from consentry.consent.templatetags.consent import state
from consentry.web.templatetags.icons import ICONS

SOURCE = Path(__file__).resolve().parents[2] / "consentry"

# Characters that a browser draws from an emoji font (Unicode's Emoji_Presentation, plus
# the clocks and media symbols that only emoji fonts have), and everything from U+1F000 on.
EMOJI_RANGES = [
    (0x231A, 0x231B), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x25FD, 0x25FE),
    (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F), (0x2693, 0x2693),
    (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5),
    (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA), (0x26F2, 0x26F3),
    (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD), (0x2705, 0x2705),
    (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C), (0x274E, 0x274E),
    (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
    (0xFE0F, 0xFE0F), (0x1F000, 0x10FFFF),
]  # fmt: skip


def needs_emoji_font(character: str) -> bool:
    return any(low <= ord(character) <= high for low, high in EMOJI_RANGES)


def test_no_template_or_code_needs_an_emoji_font():
    found = []
    for path in sorted(SOURCE.rglob("*")):
        if path.suffix not in (".html", ".txt", ".py", ".js", ".css") or "locale" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(needs_emoji_font(c) for c in line):
                found.append(f"{path.relative_to(SOURCE)}:{number}: {line.strip()[:80]}")
    assert not found, "Use {% icon %} (consentry/web/templatetags/icons.py):\n" + "\n".join(found)


def test_the_rule_knows_the_emoji_it_replaced():
    assert needs_emoji_font("\u26d4") and needs_emoji_font("\u23f1")  # no entry, stopwatch
    assert not any(needs_emoji_font(c) for c in "✓✗⚠✔✖✉?")  # text symbols


def test_an_icon_is_drawn_and_hidden_from_screen_readers():
    for name, svg in ICONS.items():
        assert svg.startswith("<svg ") and 'aria-hidden="true"' in svg, name
        assert 'focusable="false"' in svg and "currentColor" in svg, name
        assert "style=" not in svg, name  # the CSP allows no inline styles


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    "language, word", [("en", "Never photograph"), ("nl", "Nooit fotograferen")]
)
def test_the_never_flag_has_its_word_next_to_the_icon(language, word):
    with translation.override(language):
        verdict = SimpleNamespace(state="never", state_label=word.lower())
        html = str(state(verdict))
        legend = render_to_string("schools/legend.html")
    assert ICONS["never"] in html and visible_text(html) == word
    never_item = [item for item in legend.split("<li>") if ICONS["never"] in item]
    assert len(never_item) == 1 and word in visible_text(never_item[0])


def test_the_breach_clock_has_its_word_next_to_the_icon():
    clock = SimpleNamespace(
        state="running", deadline=datetime(2030, 12, 7, 14, 30), hours=10, minutes=5
    )
    with translation.override("en"):
        html = render_to_string("breaches/clock.html", {"clock": clock, "breach": None})
    badge = html[html.index('<span class="state') : html.index("</span>:")]
    assert ICONS["clock"] in badge and visible_text(badge) == "Clock running"
    assert "7 December 2030, 14:30" in html
