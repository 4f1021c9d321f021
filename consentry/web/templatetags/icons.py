"""`{% icon "never" %}`: a small inline SVG icon, drawn in the colour of the text around it.

Emoji such as "no entry" (U+26D4) and "stopwatch" (U+23F1) need an emoji font, which many
school computers and printers lack: there they show as empty boxes. An SVG needs no font.
Every icon is hidden from screen readers and stands next to a word that says the same, so
that the meaning never depends on the picture (and never on colour alone).
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_LINE = 'fill="none" stroke="currentColor" stroke-width="1.75" stroke-linecap="round"'
_SHAPES = {
    # A circle with a slash: "no", as on a sign.
    "never": f'<circle cx="8" cy="8" r="6.25" {_LINE}/><path d="M3.6 12.4 12.4 3.6" {_LINE}/>',
    # A stopwatch: a clock that runs.
    "clock": (
        f'<circle cx="8" cy="9.25" r="5.5" {_LINE}/>'
        f'<path d="M8 9.25V6.25M6.25 1.5h3.5M8 1.5v2.25" {_LINE}/>'
    ),
}
ICONS: dict[str, SafeString] = {
    name: mark_safe(  # noqa: S308 - fixed markup, nothing from outside
        f'<svg class="icon-svg" viewBox="0 0 16 16" width="16" height="16" '
        f'aria-hidden="true" focusable="false">{shape}</svg>'
    )
    for name, shape in _SHAPES.items()
}


@register.simple_tag
def icon(name: str) -> SafeString:
    return ICONS[name]
