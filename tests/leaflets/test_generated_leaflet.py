"""The generated leaflet: the demo school's leaflet as a page and as a PDF, per version.

The leaflet is built from the configuration: the version's texts and categories, the
processors with a valid agreement, the school's contact address. It must read like the
school's paper leaflet (../shared/domain/bijsluiter-privacy-loofhut-2023.txt): the same
sections in the same order.
"""

import re
import zlib
from contextlib import suppress
from datetime import timedelta
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consentry.consent.services import decide
from consentry.demo import leaflet_2023
from consentry.leaflets import document
from consentry.leaflets.models import Category, LeafletVersion
from consentry.leaflets.services import new_draft, publish
from consentry.processors.demo import seed_processors
from tests.pages.helpers import section
from tests.pages.helpers import text as page_text
from tests.world import make_leaflet

CONTACT = "info@test-loofhut.nl"


@pytest.fixture
def demo(world) -> LeafletVersion:
    """De Loofhut's real leaflet texts and demo processors, published in the test world; the
    world's own leaflet becomes an archived version."""
    world.school.contact_email = CONTACT
    world.school.city = "Almere"
    world.school.save()
    LeafletVersion.objects.filter(pk=world.leaflet.pk).update(label="versie 2022")
    version = LeafletVersion.objects.create(
        school=world.school, label=leaflet_2023.LABEL, **leaflet_2023.TEXTS
    )
    Category.objects.bulk_create(
        Category(version=version, **texts) for texts in leaflet_2023.CATEGORIES
    )
    seed_processors(world.board, world.privacy_officer, timezone.localdate())
    return publish(version, actor=world.leadership, material_change=True)


def text(html: str) -> str:
    """The visible text, inline links and emphasis read as part of their sentence."""
    return unescape(page_text(re.sub(r"</?(a|strong)\b[^>]*>", "", html)))


def client(language: str = "nl", user=None) -> Client:
    browser = Client()
    browser.cookies["django_language"] = language
    if user is not None:
        browser.force_login(user)
    return browser


def page(url: str, language: str = "nl", user=None) -> str:
    response = client(language, user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def leaflet_url(world, version=None, pdf: bool = False) -> str:
    if version is None:
        return reverse("leaflet_pdf" if pdf else "leaflet", args=[world.school.pk])
    name = "leaflet_version_pdf" if pdf else "leaflet_version"
    return reverse(name, args=[world.school.pk, version.pk])


def category(html: str, number: int) -> str:
    return text(section(html, f'aria-labelledby="category-{number}"'))


def involved(html: str, number: int) -> str:
    """The line naming the processors involved in a category ("" when there is none)."""
    html = section(html, f'aria-labelledby="category-{number}"')
    marker = 'class="leaflet-processors"'
    return text(section(html, marker)) if marker in html else ""


# The page


def test_the_page_has_the_sections_of_the_paper_leaflet_in_its_order(world, demo):
    shown = text(page(leaflet_url(world)))
    in_order = [
        "De Test-Loofhut Almere versie 2023",
        "Privacy is een mensenrecht",
        "U heeft het recht te beslissen",
        "Wij sluiten verwerkersovereenkomsten af",
        "Wij werken aan het verminderen van onnodige gegevensverzameling",
        "Wij hebben uw toestemming nodig voor specifieke onderdelen",
        "Wij doen ons uiterste best",
        "Vraag dan eerst om toestemming.",
        f"({CONTACT})",
        *(f"{c['number']}. {c['title_nl']}" for c in leaflet_2023.CATEGORIES),
        "In alle andere gevallen en bij twijfelgevallen vragen we in aparte correspondentie",
        "versie 2023.",
    ]
    positions = [shown.find(part) for part in in_order]
    missing = [part for part, at in zip(in_order, positions, strict=True) if at < 0]
    assert not missing, f"not on the page: {missing}"
    assert positions == sorted(positions), "the sections are not in the leaflet's order"


def test_the_page_shows_every_category_with_its_purpose_and_examples(world, demo):
    html = page(leaflet_url(world))
    for texts in leaflet_2023.CATEGORIES:
        shown = category(html, int(texts["number"]))
        assert f"{texts['number']}. {texts['title_nl']}" in shown
        assert str(texts["purpose_nl"]) in shown
        assert str(texts["examples_nl"]) in shown


def test_each_category_names_only_processors_with_a_valid_agreement(world, demo):
    html = page(leaflet_url(world))
    educational, class_group = involved(html, 1), involved(html, 2)
    assert "ParnasSys" in educational and "Fotostudio Lenswerk" in educational
    assert "Cito" not in educational  # its agreement expired
    assert "Werkwijzer" not in educational  # no agreement at all
    assert "Parro" in class_group and "Fotostudio Lenswerk" in class_group
    assert "ParnasSys" not in class_group
    assert involved(html, 4) == ""  # nobody involved: no line


def test_a_processor_whose_agreement_ends_drops_off_the_leaflet(world, demo):
    parro = world.board.processors.get(product__startswith="Parro")
    assert "Parro" in involved(page(leaflet_url(world)), 2)
    parro.agreements.update(ends_on=timezone.localdate() - timedelta(days=1))
    assert "Parro" not in involved(page(leaflet_url(world)), 2)


def test_the_contact_address_is_the_schools(world, demo):
    assert f'<a href="mailto:{CONTACT}">{CONTACT}</a>' in page(leaflet_url(world))
    world.school.contact_email = "privacy@elders.nl"
    world.school.save()
    html = page(leaflet_url(world))
    assert "privacy@elders.nl" in html and CONTACT not in html
    world.school.contact_email = ""
    world.school.save()
    assert "mailto:" not in page(leaflet_url(world))


def test_the_page_links_to_the_parents_pages_and_the_leak_report(world, demo):
    html = page(leaflet_url(world))
    assert f'href="{reverse("children")}"' in html
    assert f'href="{reverse("breach_report", args=[world.school.pk])}"' in html


def test_the_english_page_shows_the_english_texts(world, demo):
    shown = text(page(leaflet_url(world), language="en"))
    assert "Privacy is a human right" in shown and "Privacy is een mensenrecht" not in shown
    assert "Processor agreements" in shown and "We sign processor agreements" in shown
    assert "1. Educational record of your child" in shown
    assert "8. Broad research purposes (anonymised, for national research institutes)" in shown
    assert "Onderwijsverslaggeving" not in shown
    assert "In all other cases, and whenever in doubt" in shown
    assert f"({CONTACT})" in shown


def test_the_version_label_and_publication_date_are_shown(world, demo):
    shown = text(page(leaflet_url(world), language="en"))
    published = timezone.localtime(demo.published_at)
    assert f"Privacy leaflet De Test-Loofhut, versie 2023. Published on {published:%-d %B %Y}." in (
        shown
    )


# Versions


def test_an_archived_version_stays_readable_with_its_own_texts(world, demo):
    archived = LeafletVersion.objects.get(pk=world.leaflet.pk)
    assert archived.status == LeafletVersion.Status.ARCHIVED
    shown = text(page(leaflet_url(world, archived), language="en"))
    assert "versie 2022" in shown and "An earlier version, no longer in use" in shown
    assert "1. Category 1" in shown and "Educational record" not in shown
    assert "In use from" in shown
    assert client().get(leaflet_url(world, archived, pdf=True)).status_code == 200
    # ... and the current leaflet links to it.
    assert f'href="{leaflet_url(world, archived)}"' in page(leaflet_url(world))


def test_a_draft_is_not_public_but_the_leadership_may_proofread_it(world, demo):
    draft = new_draft(demo, label="versie 2027", actor=world.leadership)
    for url in (leaflet_url(world, draft), leaflet_url(world, draft, pdf=True)):
        assert client().get(url).status_code == 404
        assert client(user=world.parent).get(url).status_code == 404
        assert client(user=world.teacher).get(url).status_code == 404
        assert client(user=world.other_leadership).get(url).status_code == 404
        assert client(user=world.leadership).get(url).status_code == 200
        assert client(user=world.privacy_officer).get(url).status_code == 200
    shown = text(page(leaflet_url(world, draft), language="en", user=world.leadership))
    assert "Draft: not published yet" in shown
    assert "versie 2027" not in text(page(leaflet_url(world)))  # not listed to the public


def test_unknown_schools_and_versions_are_not_found(world, demo):
    other_version = world.other_school.leaflet_versions.get()
    for url in (
        reverse("leaflet", args=[999_999]),
        reverse("leaflet_pdf", args=[999_999]),
        reverse("leaflet_version", args=[world.school.pk, 999_999]),
        reverse("leaflet_version", args=[world.school.pk, other_version.pk]),
        reverse("leaflet_version_pdf", args=[world.school.pk, other_version.pk]),
        reverse("leaflet_version", args=[999_999, demo.pk]),
    ):
        assert client().get(url).status_code == 404, url


def test_a_school_without_a_published_leaflet_has_none_to_show(world):
    LeafletVersion.objects.filter(school=world.school).update(status="draft")
    assert client().get(leaflet_url(world)).status_code == 404
    assert client().get(leaflet_url(world, pdf=True)).status_code == 404


def test_a_new_draft_copies_every_text(world, demo):
    draft = new_draft(demo, label="versie 2027", actor=world.leadership)
    for field in LeafletVersion.text_fields():
        assert getattr(draft, field) == getattr(demo, field), field
    assert draft.closing_nl == leaflet_2023.CLOSING_NL


def test_the_leadership_edits_the_new_texts_in_a_draft(world, demo):
    draft = new_draft(demo, label="versie 2027", actor=world.leadership)
    body = {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0", "intro_nl": "Nieuw"}
    body |= {"closing_nl": "Slot", "conduct_en": "Be kind."}
    response = client(user=world.leadership).post(
        reverse("edit_leaflet_draft", args=[draft.pk]), body
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.closing_nl, draft.conduct_en, draft.agreements_nl) == ("Slot", "Be kind.", "")


# The PDF


def print_html(version: LeafletVersion) -> str:
    with translation.override("en"):
        return render_to_string("leaflets/leaflet_print.html", document.context(version))


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects as text: its streams inflated (WeasyPrint compresses them)."""
    inflated = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with suppress(zlib.error):  # a font or an image stays as it is
            inflated.append(zlib.decompress(stream))
    return pdf + b"\n".join(inflated)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf_objects(pdf)))


@pytest.fixture
def printed(monkeypatch) -> list[str]:
    """The HTML each PDF is printed from, while the real PDF is still made."""
    seen: list[str] = []
    real = document.render_pdf

    def spy(html: str) -> bytes:
        seen.append(html)
        return real(html)

    monkeypatch.setattr(document, "render_pdf", spy)
    return seen


def test_the_pdf_is_a_real_a4_pdf_of_more_than_one_page(world, demo, printed):
    response = client().get(leaflet_url(world, pdf=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) >= 2
    assert b"/MediaBox [0 0 595" in pdf_objects(pdf)  # A4: 595 x 842 points
    assert b"mailto:" + CONTACT.encode() in pdf_objects(pdf)  # the contact link
    disposition = response["Content-Disposition"]  # its first word is translated
    assert re.fullmatch(
        r'inline; filename="[a-z-]+-de-test-loofhut-versie-2023-nl\.pdf"', disposition
    )
    [html] = printed
    shown = text(html)
    for texts in leaflet_2023.CATEGORIES:
        assert f"{texts['number']}. {texts['title_nl']}" in shown
    assert f"({CONTACT})" in shown and "versie 2023" in shown
    assert "Fotostudio Lenswerk" in shown and "Cito" not in shown
    # On paper, links are spelled out.
    assert "http://testserver" not in shown and "/children/" in shown


def test_the_pdf_in_english(world, demo, printed):
    response = client().get(leaflet_url(world, pdf=True) + "?lang=en")
    assert response["Content-Disposition"].endswith('-versie-2023-en.pdf"')
    [html] = printed
    assert '<html lang="en">' in html
    shown = text(html)
    assert "1. Educational record of your child" in shown and "Onderwijsverslaggeving" not in shown
    assert "Privacy is a human right" in shown


def test_the_pdf_follows_the_chosen_language_without_lang(world, demo, printed):
    client("en").get(leaflet_url(world, pdf=True))
    client("en").get(leaflet_url(world, pdf=True) + "?lang=xx")  # unknown: the chosen one
    assert all('<html lang="en">' in html for html in printed)


def test_a_version_pdf_prints_that_version(world, demo, printed):
    archived = LeafletVersion.objects.get(pk=world.leaflet.pk)
    response = client().get(leaflet_url(world, archived, pdf=True))
    assert response["Content-Disposition"].endswith('-versie-2022-nl.pdf"')
    assert "1. Categorie 1" in text(printed[0])


def test_the_print_layout_keeps_out_what_only_a_screen_needs(world, demo):
    shown = text(print_html(demo))
    assert "Download as PDF" not in shown and "Other versions" not in shown


def test_a_draft_without_processors_or_contact_address_prints_too(world):
    world.school.contact_email = ""
    world.school.save()
    html = print_html(make_leaflet(world.school, label="versie 2030"))
    assert "Draft: not published yet" in text(html)
    assert page_count(document.render_pdf(html)) >= 1


def test_the_history_links_each_decision_to_the_leaflet_it_was_made_under(world):
    decide(world.parent, world.emma, {1: True})  # under the world's leaflet, then archived
    draft = new_draft(world.leaflet, label="versie 2024", actor=world.leadership)
    publish(draft, actor=world.leadership, material_change=True)
    html = page(reverse("pupil_history", args=[world.emma.pk]), user=world.parent)
    assert f'href="{leaflet_url(world, world.leaflet)}"' in html
    assert client().get(leaflet_url(world, world.leaflet)).status_code == 200


def test_printing_leaves_the_photo_decoders_strictness_alone(world, demo):
    """WeasyPrint switches on Pillow's LOAD_TRUNCATED_IMAGES when imported; truncated photos
    must still be refused after a leaflet was printed."""
    from PIL import ImageFile

    client().get(leaflet_url(world, pdf=True))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_an_unchanged_leaflet_is_rendered_once_and_a_change_renders_anew(monkeypatch):
    """The public PDF costs half a second of CPU: the same HTML is not rendered twice."""
    rendered: list[str] = []
    real = document._weasyprint

    def counting():
        css, html_class = real()

        def html(string):
            rendered.append(string)
            return html_class(string=string)

        return css, html

    monkeypatch.setattr(document, "_weasyprint", counting)
    first = document.render_pdf("<p>Versie 1</p>")
    assert document.render_pdf("<p>Versie 1</p>") == first
    assert rendered == ["<p>Versie 1</p>"]
    document.render_pdf("<p>Versie 2</p>")
    assert rendered == ["<p>Versie 1</p>", "<p>Versie 2</p>"]
