"""The audit trail page, written for people: each entry a sentence with the names the viewer
may see, filters by pupil, person and kind, and a fixed number of queries per page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from consentry.audit.describe import PHRASES
from consentry.audit.filters import KINDS, kind_of
from consentry.audit.models import AuditEntry
from consentry.audit.services import record
from consentry.breaches.models import Breach
from consentry.consent import services as consent
from consentry.photos import takedowns
from consentry.photos.models import Publication, TakeDown
from consentry.photos.publishing import publish
from consentry.retention import erasure
from consentry.roster.authority import set_authority
from consentry.schools.models import Guardianship, Pupil
from tests.adhoc.helpers import ask
from tests.pages.helpers import client_for, text
from tests.photos.helpers import make_photo, small_jpeg
from tests.research.helpers import make_project
from tests.retention.helpers import mark_left
from tests.world import make_pupil, make_user

SECRET = "Custody dispute: the father must not learn which school"


def page(user, world, query: str = "", language: str = "en") -> str:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    response = client.get(f"/schools/{world.school.pk}/audit/{query}")
    assert response.status_code == 200
    return response.content.decode()


def lines(html: str) -> list[str]:
    """The sentences of the table, newest first."""
    return [text(cell) for cell in re.findall(r"<td><p>(.*?)</p>", html, flags=re.S)]


def visible(html: str) -> str:
    """The page's text as read without opening a technical record."""
    main = html[html.index("<main") :]
    return text(re.sub(r"<details>.*?</details>", " ", main, flags=re.S))


@pytest.fixture
def history(world):
    """Answers on the web and on paper, a never flag, a photo published and taken down."""
    consent.decide(world.parent, world.emma, {1: True, 2: True, 4: True})
    consent.decide(world.other_parent, world.emma, {3: False})
    consent.record_paper_form(
        world.leadership, world.noah, {1: True}, signed_by=world.another_parent, note="form"
    )
    consent.set_never_flag(world.leadership, world.noah, active=True, reason=SECRET)
    publication = publish(make_photo(world, small_jpeg()), 4, "blur", actor=world.teacher)
    takedown = TakeDown.objects.create(
        publication=publication, pupil=world.emma, kind="internal", reason="consent"
    )
    takedowns._audit("photo.takedown.done", takedown, actor="system")
    return world


def test_the_main_actions_read_as_sentences_with_names(history):
    world = history
    with translation.override("en"):
        start = formats.date_format(timezone.localdate())
        end = formats.date_format(timezone.localdate() + timedelta(days=365))
    assert lines(page(world.leadership, world))[:8] == [
        "The system took down a photo of group Zon for 4 · public: Emma Test may no longer "
        "appear in it.",
        "Teacher of Zon published a photo of group Zon for 4 · public (blur).",
        "Teacher of Zon uploaded a photo of group Zon.",
        "Leadership set the never-photograph flag for Noah Test.",
        "Leadership recorded a paper form on which Parent of Noah gave consent for Noah Test "
        "for category 1.",
        "Other parent of Emma refused consent for Emma Test for category 3 (web).",
        "Parent of Emma gave consent for Emma Test for categories 1, 2 and 4 (web).",
        f"Intern acknowledged the privacy rules “Regels 2026” as intern, for {start} to {end}.",
    ]


def test_no_codes_ids_or_raw_data_in_the_visible_text_but_the_technical_record_stays(history):
    world = history
    html = page(world.leadership, world)
    shown = visible(html)
    for code in ("user:", "consent.recorded", "pupil_id", "{", "schools.pupil"):
        assert code not in shown, code
    record_of = re.findall(r"<details>.*?</details>", html, flags=re.S)
    assert any(
        "consent.recorded" in each and f"user:{world.parent.pk}" in each for each in record_of
    )
    assert any("&quot;category&quot;: 4" in each for each in record_of)


def test_a_never_flags_reason_never_shows(history):
    world = history
    for viewer in (world.leadership, world.privacy_officer):
        assert SECRET not in page(viewer, world)


def test_more_actions_in_words(world):
    guardianship = Guardianship.objects.get(guardian=world.other_parent, pupil=world.emma)
    set_authority(world.leadership, guardianship, False)
    consent.set_never_flag(world.leadership, world.noah, active=True, reason=SECRET)
    consent.set_never_flag(world.leadership, world.noah, active=False, reason="Resolved")
    said = lines(page(world.privacy_officer, world))
    assert said[:3] == [
        "Leadership lifted the never-photograph flag for Noah Test.",
        "Leadership set the never-photograph flag for Noah Test.",
        "Leadership recorded that Other parent of Emma has no parental authority over Emma Test.",
    ]


def test_an_action_without_a_sentence_reads_as_who_and_the_action_in_words(world):
    record("processor.created", actor=world.leadership, school_id=world.school.pk)
    # consent.recorded without the data its sentence needs (written by older code)
    record("consent.recorded", actor="system", school_id=world.school.pk, data={"x": 1})
    assert lines(page(world.leadership, world))[:2] == [
        "The system: consent recorded",
        "Leadership: processor created",
    ]


def test_an_erased_pupil_and_a_guardian_gone_with_them_are_said_in_words(history):
    world = history
    mark_left(world.emma, timezone.localdate() - timedelta(days=30))
    erasure.erase_pupil(world.emma, actor=world.leadership, reason="guardian_request")
    html = page(world.leadership, world)
    said = lines(html)
    assert said[0] == (
        "Leadership erased the data of a pupil who left, at the request of a guardian."
    )
    assert (
        "A person no longer linked to this school gave consent for an erased pupil for "
        "categories 1, 2 and 4 (web)." in said
    )
    assert "Emma" not in visible(html)


def test_names_only_of_the_school(world):
    """An id of another school's pupil or person in an entry of this school names nobody."""
    record(
        "never_flag.set",
        actor=world.other_leadership,
        school_id=world.school.pk,
        data={"pupil_id": world.other_pupil.pk},
    )
    assert lines(page(world.leadership, world))[0] == (
        "A person no longer linked to this school set the never-photograph flag for an "
        "erased pupil."
    )


def test_dates_in_the_viewers_language(history):
    world = history
    newest = AuditEntry.objects.filter(school_id=world.school.pk).latest("sequence")
    moment = timezone.localtime(newest.recorded_at)
    for language in ("en", "nl"):
        with translation.override(language):
            expected = formats.date_format(moment, "DATETIME_FORMAT")
        assert f"<tr><td>{expected}</td>" in page(world.leadership, world, language=language)


def test_every_action_of_the_school_has_its_sentence(history):
    """Entries shaped as their writers write them (the services' `record` calls), with the
    names of real rows; every action in `PHRASES` is on the page, none falls back."""
    world = history
    request = ask(world, send=False)
    project = make_project(world)
    breach = Breach.objects.create(
        school=world.school,
        reference="DL-PROBE",
        description="A list was e-mailed to the wrong parents.",
        discovered_at=timezone.now(),
        risk="risk",
        measures="Asked them to delete it.",
    )
    publication = Publication.objects.get(photo__group=world.group, category=4)
    photo = publication.photo
    takedown = TakeDown.objects.get(publication=publication)
    emma_account = make_user("emma@example.nl", "Emma Test")
    Pupil.objects.filter(pk=world.emma.pk).update(account=emma_account)
    w = world
    tech = {"publication": publication.pk, "pupil_id": w.emma.pk, "kind": "external"}
    project_data = {"project_id": project.pk, "kind": "video", "pupil_ids": [w.emma.pk]}
    dates = {"project_id": project.pk, "new_ends_on": "2027-01-31", "first_ends_on": "2026-12-31"}
    consent_data = {"pupil_id": w.emma.pk, "category": 2, "leaflet_version_id": w.leaflet.pk}
    pupils = {"pupils": {"created": 3, "updated": 1, "unchanged": 9, "left": 2}}
    rows = [
        ("reminders.requested", w.leadership, w.school, {"guardians": 3, "skipped": 1},
         "Leadership sent reminders to 3 guardians."),
        ("adhoc.request.opened", w.teacher, request, {"deadline": "2026-12-01"},
         "Teacher of Zon sent the separate request “Photo in the regional paper” to the "
         "guardians, answers due 1 December 2026."),
        ("adhoc.request.changed", w.teacher, request, {"pupil_ids": [w.emma.pk]},
         "Teacher of Zon changed the separate request “Photo in the regional paper”."),
        ("adhoc.request.closed", w.teacher, request, {},
         "Teacher of Zon closed the separate request “Photo in the regional paper”."),
        ("adhoc.answer.recorded", w.parent, None,
         {"request_id": request.pk, "pupil_id": w.emma.pk, "given": False},
         "Parent of Emma answered no to the separate request “Photo in the regional paper” "
         "for Emma Test."),
        ("photo.detection_retried", w.teacher, photo, {},
         "Teacher of Zon had the faces in a photo of group Zon looked for again."),
        ("photo.faces_checked", w.teacher, photo, {"doubts": "", "faces": 1},
         "Teacher of Zon checked every face in a photo of group Zon by eye."),
        ("photo.tagged", w.teacher, photo, {"faces": [1], "pupils": [w.emma.pk]},
         "Teacher of Zon said who is who in a photo of group Zon: Emma Test."),
        ("photo.face_added", w.teacher, photo, {"face": 1},
         "Teacher of Zon marked a face by hand in a photo of group Zon."),
        ("photo.republished", "system", publication, {"photo": photo.pk, "pupil_id": w.emma.pk},
         "The system replaced a photo of group Zon for 4 · public with a copy that hides "
         "Emma Test."),
        ("photo.takedown.opened", "system", takedown, tech,
         "The system asked the publisher to remove a photo of group Zon for 4 · public "
         "outside Consentry: Emma Test may no longer appear in it."),
        ("photo.takedown.confirmed", w.teacher, takedown, tech,
         "Teacher of Zon confirmed that a photo of group Zon for 4 · public was removed "
         "outside Consentry."),
        ("photo.deleted", w.teacher, photo, {"group": w.group.pk},
         "Teacher of Zon deleted a photo of group Zon."),
        ("leaflet.drafted", w.leadership, w.leaflet, {"label": "versie 2027"},
         "Leadership started a draft of the leaflet “versie 2027”."),
        ("leaflet.published", w.leadership, w.leaflet,
         {"label": "versie 2027", "material_change": False},
         "Leadership published the leaflet “versie 2027” as a minor change: the answers "
         "given still count."),
        ("research.project_created", w.leadership, project, {"project_id": project.pk},
         "Leadership created the research project “Coaching in de klas”."),
        ("research.project_changed", w.leadership, project, {"project_id": project.pk},
         "Leadership changed the research project “Coaching in de klas”."),
        ("research.end_date_extended", w.leadership, project, dates,
         "Leadership extended the research project “Coaching in de klas” to 31 January "
         "2027 (first end date 31 December 2026)."),
        ("research.end_date_changed", w.leadership, project, dates,
         "Leadership moved the end date of the research project “Coaching in de klas” to "
         "31 January 2027."),
        ("research.material_uploaded", w.teacher, None, project_data,
         "Teacher of Zon added a video to the research project “Coaching in de klas”."),
        ("research.material_tagged", w.teacher, None, project_data,
         "Teacher of Zon changed who appears in material of the research project "
         "“Coaching in de klas”."),
        ("research.material_destroyed", "system", None, project_data,
         "The system destroyed a video of the research project “Coaching in de klas” "
         "after its end date."),
        ("pupil.account_given", w.leadership, w.emma, {"pupil_id": w.emma.pk},
         "Leadership gave Emma Test an account of their own."),
        ("consent.recorded", emma_account, None,
         {**consent_data, "given": True, "channel": "api", "actor_role": "pupil"},
         "Emma Test gave consent for themself for category 2 (API)."),
        ("consent.recorded", w.leadership, None,
         {**consent_data, "given": False, "channel": "paper", "guardian_id": None},
         "Leadership recorded a paper form on which Emma Test, 16 or older, refused consent "
         "for category 2."),
        ("roster.imported", w.leadership, None, {"file": "export.xml", "counts": pupils},
         "Leadership imported the roster “export.xml”: 3 pupils added, 1 changed, 2 left."),
        ("retention.destroyed", "retention job", None,
         {"rule": "pupil.left", "what": "schools.pupil", "ids": [98, 99]},
         "The retention job destroyed expired data by the rule “pupil.left” (pupils: 2)."),
        ("retention.policy_changed", w.leadership, None, {"left_pupil_years": 1},
         "Leadership set how long the data of pupils who left is kept to 1 year."),
        ("api_token.issued", "command line", None, {"name": "Parro"},
         "An administrator on the command line issued the API token “Parro”."),
        ("school.set_up", "command line", w.school, {"board_id": w.board.pk},
         "An administrator on the command line set up this school in Consentry."),
        ("breach.reported", "public form", breach, {"reference": "DL-PROBE"},
         "Someone using the public report form reported the data breach DL-PROBE."),
        ("breach.ap_not_needed", w.privacy_officer, breach, {"late": False},
         "Privacy officer recorded that the data breach DL-PROBE need not be reported to "
         "the Dutch Data Protection Authority."),
        ("breach.updated", w.privacy_officer, breach, {"changed": {"risk": "x"}},
         "Privacy officer updated the data breach DL-PROBE."),
        ("breach.ap_notified", w.privacy_officer, breach, {"late": False},
         "Privacy officer recorded that the data breach DL-PROBE was reported to the Dutch "
         "Data Protection Authority."),
        ("breach.closed", w.privacy_officer, breach, {},
         "Privacy officer closed the data breach DL-PROBE."),
    ]  # fmt: skip
    for action, actor, obj, data, _sentence in rows:
        record(action, actor=actor, obj=obj, school_id=w.school.pk, data=data)
    shown = lines(page(w.leadership, w))
    assert shown[: len(rows)][::-1] == [row[-1] for row in rows]
    on_page = {entry.action for entry in AuditEntry.objects.filter(school_id=w.school.pk)}
    elsewhere = {"guardian.authority_set", "never_flag.lifted", "pupil.erased", "pupil.exported"}
    assert set(PHRASES) - on_page - elsewhere == set()


# Filters


def test_filter_by_pupil(history):
    world = history
    said = lines(page(world.leadership, world, f"?pupil={world.noah.pk}"))
    assert said == [
        "Leadership set the never-photograph flag for Noah Test.",
        "Leadership recorded a paper form on which Parent of Noah gave consent for Noah Test "
        "for category 1.",
    ]


def test_filter_by_pupil_finds_entries_whose_object_is_the_pupil(world):
    record("pupil.exported", actor=world.leadership, obj=world.emma, school_id=world.school.pk,
           data={"format": "json", "for": "staff"})  # fmt: skip
    said = lines(page(world.leadership, world, f"?pupil={world.emma.pk}"))
    assert said == ["Leadership downloaded everything Consentry holds about Emma Test (JSON)."]


def test_filter_by_person(history):
    world = history
    said = lines(page(world.leadership, world, f"?person={world.teacher.pk}"))
    assert said == [
        "Teacher of Zon published a photo of group Zon for 4 · public (blur).",
        "Teacher of Zon uploaded a photo of group Zon.",
    ]


def test_the_person_filter_offers_the_schools_people_who_acted(history):
    world = history
    html = page(world.leadership, world)
    people = re.search(r'<select name="person".*?</select>', html, flags=re.S).group(0)
    offered = re.findall(r'<option value="\d+">([^<]+)</option>', people)
    assert offered == [
        "Intern",
        "Leadership",
        "Other parent of Emma",
        "Parent of Emma",
        "Teacher of Zon",
    ]  # not the other school's leadership, nor Noah's parent, whose form the school recorded


def test_filter_by_kind(history):
    world = history
    said = lines(page(world.leadership, world, "?kind=photos"))
    assert [line.split(" ")[0:2] for line in said] == [["The", "system"]] + [["Teacher", "of"]] * 2
    said = lines(page(world.leadership, world, "?kind=consent"))
    assert len(said) == 4 and all("consent" in line or "flag" in line for line in said)


def test_filters_combine(history):
    world = history
    query = f"?pupil={world.emma.pk}&kind=consent&person={world.other_parent.pk}"
    assert lines(page(world.leadership, world, query)) == [
        "Other parent of Emma refused consent for Emma Test for category 3 (web)."
    ]
    query = f"?pupil={world.emma.pk}&kind=photos"
    assert lines(page(world.leadership, world, query)) == [
        "The system took down a photo of group Zon for 4 · public: Emma Test may no longer "
        "appear in it."
    ]


def test_a_value_that_is_not_a_choice_is_refused_and_filters_nothing(history):
    world = history
    html = page(world.leadership, world, f"?pupil={world.other_pupil.pk}")
    assert "Select a valid choice" in html
    assert "Olaf" not in html and len(lines(html)) > 5


def test_paging_keeps_the_filters(world):
    for _ in range(52):
        record("pupil.exported", actor=world.leadership, obj=world.emma,
               school_id=world.school.pk, data={"format": "zip", "for": "staff"})  # fmt: skip
    record("pupil.exported", actor=world.leadership, obj=world.noah, school_id=world.school.pk,
           data={"format": "zip", "for": "staff"})  # fmt: skip
    html = page(world.leadership, world, f"?pupil={world.emma.pk}&kind=records")
    assert "52 entries." in html and len(lines(html)) == 50
    older = re.search(r'<a href="([^"]+)">Older</a>', html).group(1).replace("&amp;", "&")
    assert f"pupil={world.emma.pk}" in older and "kind=records" in older and "page=2" in older
    second = lines(page(world.leadership, world, older))
    assert second == ["Leadership downloaded everything Consentry holds about Emma Test (ZIP)."] * 2


# Access and cost


def test_only_the_schools_leadership_and_privacy_officer_see_the_trail(world):
    for persona in ("other_leadership", "teacher", "parent", "intern"):
        client = client_for(getattr(world, persona))
        assert client.get(f"/schools/{world.school.pk}/audit/").status_code == 404, persona
    assert "Leadership published the leaflet" in page(world.privacy_officer, world)
    verified = page(world.leadership, world, "?verify=1&kind=leaflet")
    assert "The chain is intact" in verified and len(lines(verified)) == 1


def _queries(user, world) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(user, world)
    return len(queries)


def _pupil_with_parent(world, number: int):
    pupil = make_pupil(world.school, world.group, f"20{number}", f"Kind {number}")
    parent = make_user(f"parent{number}@example.nl", f"Parent {number}")
    Guardianship.objects.create(guardian=parent, pupil=pupil, has_parental_authority=True)
    return pupil, parent


def _one_of_each(world, pupil, parent) -> None:
    consent.decide(parent, pupil, {1: True, 2: False})
    consent.set_never_flag(world.leadership, pupil, active=True, reason=SECRET)
    record("pupil.exported", actor=world.leadership, obj=pupil, school_id=world.school.pk,
           data={"format": "zip", "for": "staff"})  # fmt: skip


def test_the_number_of_queries_does_not_grow_with_the_entries(history):
    world = history
    _one_of_each(world, *_pupil_with_parent(world, 100))
    publish(make_photo(world, small_jpeg()), 2, "pixelate", actor=world.teacher)
    few = _queries(world.leadership, world)
    for number in range(8):
        _one_of_each(world, *_pupil_with_parent(world, number))
    publish(make_photo(world, small_jpeg()), 3, "solid", actor=world.teacher)
    assert AuditEntry.objects.filter(school_id=world.school.pk).count() >= 45
    assert _queries(world.leadership, world) == few


# The rules behind the page


def test_every_action_with_a_sentence_belongs_to_a_kind():
    assert {action: kind_of(action) for action in PHRASES if kind_of(action) is None} == {}
    assert len({key for key, _label, _prefixes in KINDS}) == len(KINDS)
