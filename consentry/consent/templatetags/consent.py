"""`{% state verdict %}`: a consent state as the pages show it, icon and word.

A tag rather than an included template: a group's matrix shows it for every pupil and
category (175 times for a group of 25), and an include costs a template render each time.
"""

from django import template
from django.utils.html import format_html
from django.utils.text import capfirst

from consentry.web.templatetags.icons import ICONS as SVG_ICONS

register = template.Library()

# The never flag's icon is drawn (an emoji font is not everywhere); the others are text.
ICONS = {"yes": "✓", "never": SVG_ICONS["never"], "conflict": "⚠", "no": "✗"}  # unanswered: ?


@register.simple_tag
def state(verdict) -> str:
    """Icon and word, never colour alone (WCAG 1.4.1); the icon is hidden from screen
    readers, which read the word."""
    return format_html(
        '<span class="state state-{}"><span class="icon" aria-hidden="true">{}</span> {}</span>',
        verdict.state,
        ICONS.get(verdict.state, "?"),
        capfirst(verdict.state_label),
    )
