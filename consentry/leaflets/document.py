"""The parent-facing leaflet, generated: one template for the web page and the PDF.

The school's own words come from the version's texts; everything else comes from the
configuration: the school and its contact address, the categories, the processors with a
valid agreement per category, and where parents manage their preferences or report a leak.
"""

import hashlib
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from consentry.processors.services import processors_for_category

from .models import Category, LeafletVersion

STYLESHEET = Path(__file__).parent / "static" / "leaflets" / "leaflet-print.css"


def absolute_url(path: str) -> str:
    """A link that works on paper too: the site's public address, as in mail."""
    return settings.CONSENTRY_BASE_URL.rstrip("/") + path


def processors_day(version: LeafletVersion) -> date:
    """The day whose valid agreements the leaflet names: today, or for an archived version
    its last day in use. Whether a processor is in use and for which categories is the
    register's present state; only the agreements' dates are looked at as of that day."""
    replaced_at = version.replaced_at()
    return timezone.localdate(replaced_at) if replaced_at else timezone.localdate()


def categories_with_processors(version: LeafletVersion) -> list[tuple[Category, list]]:
    """Each category with the processors the leaflet may name under it."""
    day = processors_day(version)
    return [
        (category, processors_for_category(version.school, category.number, day))
        for category in version.categories.all()
    ]


def contact_link(version: LeafletVersion) -> SafeString | None:
    email = version.school.contact_email
    return format_html('<a href="mailto:{0}">{0}</a>', email) if email else None


def context(version: LeafletVersion) -> dict:
    """What the leaflet template needs, in any language (the texts pick the current one)."""
    school = version.school
    return {
        "school": school,
        "version": version,
        "replaced_at": version.replaced_at(),
        "categories": categories_with_processors(version),
        "contact_link": contact_link(version),
        "manage_url": absolute_url(reverse("children")),
        "breach_url": absolute_url(reverse("breach_report", args=[school.pk])),
        "current_url": absolute_url(reverse("leaflet", args=[school.pk])),
    }


def render_pdf(html: str) -> bytes:
    """The print layout as an A4 PDF. The HTML refers to nothing outside itself (no images,
    no stylesheet links): the stylesheet is read from the package, so nothing is fetched.

    Rendering takes about half a second of CPU and the leaflet is public, so the PDF is kept
    in the cache under the hash of its HTML: any change to the texts, the processors or
    the language makes new HTML and so a new PDF; an unchanged leaflet is rendered once.
    """
    key = "leaflet-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        CSS, HTML = _weasyprint()
        pdf = HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
        cache.set(key, pdf, timeout=24 * 60 * 60)
    return pdf


def _weasyprint():
    """WeasyPrint, imported on first use: it loads Pango when imported, and a machine without
    Pango should still serve every other page.

    Importing it switches on Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which
    would let the photo decoder accept truncated files; we switch it back (the leaflet has
    no images)."""
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import CSS, HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return CSS, HTML
