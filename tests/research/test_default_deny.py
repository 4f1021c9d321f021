"""Coverage is default-deny, as in the photo gate: only a ticked pupil with consent, or an
adult who agreed where the project allows adults, is covered. Anyone else in the material
(a child who is not ticked, someone unknown), and material for which nobody said who else
appears, blocks it, whatever the ticked pupils' consent."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from consentry.research import coverage as coverage_module
from consentry.research.coverage import coverage, others_block
from consentry.research.models import Material
from tests.research.helpers import PDF, add_material, make_project

NOT_TICKED = "someone appears in it who is not a ticked pupil"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(world):
    decide(world.parent, world.emma, {7: True})  # Emma is covered in category 7
    return make_project(world, 7, members=[world.teacher])


@pytest.mark.parametrize(
    "others, adults_allowed, covered",
    [
        (Material.Others.NOBODY, False, True),
        (Material.Others.NOBODY, True, True),
        (Material.Others.ADULTS, True, True),
        (Material.Others.ADULTS, False, False),
        (Material.Others.UNTAGGED, True, False),
        (Material.Others.UNTAGGED, False, False),
        (Material.Others.UNSTATED, True, False),  # material from before the question
        ("odd", True, False),  # anything unknown is not covered
    ],
)
def test_only_ticked_consenting_pupils_and_allowed_adults_are_covered(
    world, project, others, adults_allowed, covered
):
    project.adults_may_appear = adults_allowed
    project.save()
    material = add_material(project, [world.emma], others=others)
    assert coverage(project).allows(material) is covered
    assert (others_block(project, material) == "") is covered
    # the ticked pupil's own cover does not change: she is not what blocks it
    assert [c.pupil for c in coverage(project).covered] == [world.emma]


def test_an_untagged_child_blocks_material_even_without_ticked_pupils(world, project):
    material = add_material(project, [], others=Material.Others.UNTAGGED)
    assert not coverage(project).allows(material)


def test_a_ticked_pupil_without_a_verdict_is_not_covered(world, project, monkeypatch):
    """Should the engine give no verdict for a pupil, that pupil blocks (never a KeyError
    or a silent pass)."""
    monkeypatch.setattr(coverage_module, "check", lambda pupils, school, number: [])
    material = add_material(project, [world.emma])
    cover = coverage(project)
    assert not cover.allows(material)
    assert [c.pupil for c in cover.uncovered_in(material)] == [world.emma]


def upload(user, project, **fields):
    body = {"file": SimpleUploadedFile("les.pdf", PDF), "description": "Kring", **fields}
    return client_for(user).post(reverse("research_material_upload", args=[project.pk]), body)


def test_the_uploader_must_say_who_else_appears(world, project):
    response = upload(world.teacher, project, pupils=[world.emma.pk])
    assert response.status_code == 200
    assert "Say who else appears in it." in response.text
    assert not Material.objects.exists()


def test_material_with_an_untagged_person_is_blocked_on_the_pages(world, project):
    assert upload(world.teacher, project, pupils=[world.emma.pk], others="untagged").status_code
    material = Material.objects.get()
    assert material.others == "untagged"
    entry = AuditEntry.objects.get(action="research.material_uploaded")
    assert entry.data["others"] == "untagged"
    download = reverse("research_material", args=[material.pk])
    assert client_for(world.teacher).get(download).status_code == 403

    html = client_for(world.teacher).get(reverse("research_project", args=[project.pk])).text
    uncovered = html.split('id="uncovered-heading"')[1].split("</section>")[0]
    assert "Not covered: 1 item of material shows someone who is not a ticked pupil" in uncovered
    assert "Emma Test" not in uncovered  # Emma herself is covered
    assert "Blocked: not everyone in it is covered." in html
    assert NOT_TICKED in html
    assert f'href="{download}"' not in html

    # The uploader says that nobody else is in it after all: the material is free.
    tags = reverse("research_material_tags", args=[material.pk])
    body = {"pupils": [world.emma.pk], "others": "nobody"}
    assert client_for(world.teacher).post(tags, body).status_code == 302
    assert client_for(world.teacher).get(download).status_code == 200
    entry = AuditEntry.objects.get(action="research.material_tagged")
    assert entry.data["others"] == "nobody"


def test_material_from_before_the_question_is_blocked_until_the_uploader_says(world, project):
    material = add_material(project, [world.emma], by=world.teacher, others="")
    download = reverse("research_material", args=[material.pk])
    assert client_for(world.teacher).get(download).status_code == 403
    html = client_for(world.teacher).get(reverse("research_project", args=[project.pk])).text
    assert "nobody has said yet whether anyone else appears in it" in html
    assert "Who else appears in it: not stated yet" in html
    tags = reverse("research_material_tags", args=[material.pk])
    form = client_for(world.teacher).get(tags).text
    assert 'value="nobody"' in form and 'value="" ' not in form  # no "not stated" choice
    body = {"pupils": [world.emma.pk], "others": "nobody"}
    assert client_for(world.teacher).post(tags, body).status_code == 302
    assert client_for(world.teacher).get(download).status_code == 200


def test_adults_are_covered_only_where_the_project_allows_them(world, project):
    material = add_material(project, [], by=world.teacher, others=Material.Others.ADULTS)
    download = reverse("research_material", args=[material.pk])
    page = reverse("research_project", args=[project.pk])
    assert client_for(world.teacher).get(download).status_code == 403
    html = client_for(world.leadership).get(page).text
    assert "adults appear in it, and this project allows no adults" in html
    assert "Not allowed: material in which adults appear is not covered." in html

    edit = reverse("research_project_edit", args=[project.pk])
    body = {
        "title": project.title,
        "external_party": project.external_party,
        "purpose": project.purpose,
        "members": [world.teacher.pk],
        "ends_on": project.ends_on.isoformat(),
        "adults_may_appear": "on",
    }
    assert client_for(world.leadership).post(edit, body).status_code == 302
    assert client_for(world.teacher).get(download).status_code == 200
    assert "Allowed, if each of them agreed." in client_for(world.leadership).get(page).text


def test_the_block_is_explained_in_dutch(world, project, settings):
    settings.LANGUAGE_CODE = "nl"
    add_material(project, [world.emma], by=world.teacher, others="untagged")
    with translation.override("nl"):
        html = client_for(world.teacher).get(reverse("research_project", args=[project.pk])).text
    dutch = "Zonder toestemming: 1 stuk materiaal toont iemand die geen aangevinkte leerling is"
    assert dutch in html
    assert NOT_TICKED not in html
