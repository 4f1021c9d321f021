"""The leadership and the privacy officer: the rules' versions, who acknowledged what, and
visitors who signed on paper."""

from datetime import date

import pytest
from django.urls import reverse

from consentry.audit.models import AuditEntry
from consentry.conduct import services
from consentry.conduct.models import Acknowledgement, PrivacyRules
from tests.conduct.conftest import signed_in
from tests.conduct.helpers import publish_rules


def paper_form(rules: PrivacyRules, **changes) -> dict[str, str]:
    data = {
        "name": "Karin Postma (Fotostudio)",
        "role": "photographer",
        "period_from": "2026-03-02",
        "period_to": "2026-03-04",
        "rules": str(rules.pk),
        "signed": "on",
    }
    return {**data, **changes}


def office_urls(world, rules: PrivacyRules) -> list[str]:
    school = world.school.pk
    return [
        reverse("conduct_rules", args=[school]),
        reverse("conduct_rules_new", args=[school]),
        reverse("conduct_rules_edit", args=[rules.pk]),
        reverse("conduct_acknowledgements", args=[school]),
        reverse("conduct_record_paper", args=[school]),
    ]


@pytest.mark.parametrize("who", ["leadership", "privacy_officer"])
def test_the_leadership_and_the_privacy_officer_keep_the_rules(world, who):
    draft = PrivacyRules.objects.create(school=world.school, label="Concept", text_nl="Tekst")
    client = signed_in(getattr(world, who))
    for url in office_urls(world, draft):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["parent", "teacher", "intern", "other_leadership"])
def test_nobody_else_sees_or_changes_them(world, who):
    draft = PrivacyRules.objects.create(school=world.school, label="Concept", text_nl="Tekst")
    client = signed_in(getattr(world, who))
    audit = AuditEntry.objects.count()
    for url in office_urls(world, draft):
        assert client.get(url).status_code == 404, url
        # A page that only shows answers a POST with 405 before it looks at who asks.
        assert client.post(url, {"label": "X", "text_nl": "X"}).status_code in (404, 405), url
    publish = reverse("conduct_rules_publish", args=[draft.pk])
    assert client.post(publish).status_code == 404
    paper = reverse("conduct_record_paper", args=[world.school.pk])
    assert client.post(paper, paper_form(draft)).status_code == 404
    draft.refresh_from_db()
    assert (draft.label, draft.published_at) == ("Concept", None)
    assert AuditEntry.objects.count() == audit
    assert not Acknowledgement.objects.filter(channel="paper").exists()


def test_a_new_version_starts_from_the_text_in_force_and_is_published(world):
    client = signed_in(world.privacy_officer)
    in_force = PrivacyRules.objects.current_for(world.school)
    page = client.get(reverse("conduct_rules_new", args=[world.school.pk])).text
    assert in_force.text_nl.replace("'", "&#x27;") in page

    response = client.post(
        reverse("conduct_rules_new", args=[world.school.pk]),
        {"label": "Regels 2027", "text_nl": "Geen foto's.", "text_en": "No photos."},
    )
    assert response["Location"] == reverse("conduct_rules", args=[world.school.pk])
    draft = PrivacyRules.objects.get(label="Regels 2027")
    assert not draft.is_published and PrivacyRules.objects.current_for(world.school) == in_force

    edit = reverse("conduct_rules_edit", args=[draft.pk])
    client.post(edit, {"label": "Regels 2027", "text_nl": "Geen video's.", "text_en": "No video."})
    draft.refresh_from_db()
    assert draft.text_nl == "Geen video's."

    client.post(reverse("conduct_rules_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == world.privacy_officer
    assert PrivacyRules.objects.current_for(world.school) == draft
    entry = AuditEntry.objects.filter(action="conduct.rules_published").latest("sequence")
    assert (entry.object_id, entry.data) == (str(draft.pk), {"label": "Regels 2027"})
    page = client.get(reverse("conduct_rules", args=[world.school.pk])).text
    assert "In force" in page and "Earlier version" in page


def test_two_versions_cannot_share_a_name(world):
    client = signed_in(world.leadership)
    in_force = PrivacyRules.objects.current_for(world.school)
    response = client.post(
        reverse("conduct_rules_new", args=[world.school.pk]),
        {"label": in_force.label, "text_nl": "Tekst"},
    )
    assert "There is already a version with this name." in response.text
    assert PrivacyRules.objects.filter(school=world.school).count() == 1


def test_a_published_version_is_never_edited(world):
    rules = PrivacyRules.objects.current_for(world.school)
    text = rules.text_nl
    client = signed_in(world.leadership)
    edit = reverse("conduct_rules_edit", args=[rules.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"label": "Changed", "text_nl": "Changed"}).status_code == 404

    audit = AuditEntry.objects.count()
    response = client.post(reverse("conduct_rules_publish", args=[rules.pk]), follow=True)
    assert "This version was already published." in response.text
    assert AuditEntry.objects.count() == audit

    rules.text_nl = "Changed"
    with pytest.raises(ValueError, match="never edited"):
        rules.save()
    with pytest.raises(ValueError):
        rules.delete()
    rules.refresh_from_db()
    assert rules.text_nl == text


def test_acknowledgements_are_append_only(world):
    acknowledgement = Acknowledgement.objects.get(user=world.intern)
    acknowledgement.period_to = date(2099, 1, 1)
    with pytest.raises(ValueError, match="append-only"):
        acknowledgement.save()
    with pytest.raises(ValueError):
        acknowledgement.delete()


def test_a_visitor_recorded_on_paper_appears_in_the_list(world):
    rules = PrivacyRules.objects.current_for(world.school)
    client = signed_in(world.leadership)
    response = client.post(
        reverse("conduct_record_paper", args=[world.school.pk]), paper_form(rules)
    )
    url = reverse("conduct_acknowledgements", args=[world.school.pk])
    assert response["Location"] == url
    ack = Acknowledgement.objects.get(channel="paper")
    assert (ack.name, ack.role, ack.user, ack.recorded_by) == (
        "Karin Postma (Fotostudio)",
        "photographer",
        None,
        world.leadership,
    )
    assert AuditEntry.objects.filter(action="conduct.acknowledged", object_id=str(ack.pk))

    page = client.get(url).text
    for text in (
        "Karin Postma (Fotostudio)",
        "photographer",
        "2 Mar 2026 – 4 Mar 2026",
        rules.label,
        "signed on paper",
        "recorded by Leadership",
        "Intern",  # the world's intern, on the web
        "on the web",
    ):
        assert text in page, text


def test_the_list_shows_who_cannot_open_anything_yet(world, new_intern):
    url = reverse("conduct_acknowledgements", args=[world.school.pk])
    page = signed_in(world.privacy_officer).get(url).text
    waiting = page.split('id="waiting"')[1].split("All acknowledgements")[0]
    assert "New intern" in waiting and "not acknowledged yet" in waiting
    assert "Intern (" not in waiting  # the world's intern acknowledged

    publish_rules(world.school, world.leadership, label="Regels 2027")
    page = signed_in(world.privacy_officer).get(url).text
    waiting = page.split('id="waiting"')[1].split("All acknowledgements")[0]
    assert "acknowledged the earlier version Regels 2026" in waiting


def test_a_tampered_paper_form_changes_nothing(world):
    """Another school's version, a draft, or a period that ends before it starts."""
    other = publish_rules(world.other_school, world.other_leadership, label="Andere regels")
    draft = PrivacyRules.objects.create(school=world.school, label="Concept", text_nl="Tekst")
    rules = PrivacyRules.objects.current_for(world.school)
    client = signed_in(world.leadership)
    url = reverse("conduct_record_paper", args=[world.school.pk])
    audit = AuditEntry.objects.count()
    for data in (
        paper_form(other),
        paper_form(draft),
        paper_form(rules, period_to="2026-03-01"),
        paper_form(rules, role="headmaster"),
        paper_form(rules, signed=""),
    ):
        assert client.post(url, data).status_code == 200
    assert not Acknowledgement.objects.filter(channel="paper").exists()
    assert AuditEntry.objects.count() == audit


def test_the_services_refuse_what_the_pages_refuse(world, new_intern):
    other = publish_rules(world.other_school, world.other_leadership, label="Andere regels")
    rules = PrivacyRules.objects.current_for(world.school)
    day = date(2026, 3, 2)
    with pytest.raises(services.ConductError):  # not an intern at the other school
        services.acknowledge(new_intern, other, period_from=day, period_to=day, on=day)
    with pytest.raises(services.ConductError):  # a teacher records nothing
        services.record_on_paper(
            world.teacher, rules, name="X", role="visitor", period_from=day, period_to=day
        )
    with pytest.raises(services.ConductError):  # another school's leadership publishes nothing
        services.publish(
            PrivacyRules.objects.create(school=world.school, label="C", text_nl="T"),
            actor=world.other_leadership,
        )


def test_the_school_overview_links_to_the_list(world):
    page = signed_in(world.leadership).get(reverse("school_overview", args=[world.school.pk]))
    assert reverse("conduct_acknowledgements", args=[world.school.pk]) in page.text
