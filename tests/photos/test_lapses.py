"""Every way consent lapses reaches what was published, not only a guardian's explicit no.

One test per cause: a save that mixes yes and no, a material leaflet change (a new answer
round), a 16th birthday (the daily sweep), a guardian losing parental authority in a roster
import, a school confirming that a guardian has no authority; and the deadline of a separate
request, which narrows nobody (after it, a new yes is refused, an old yes stands).
"""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.adhoc.services import answer
from consentry.consent.services import decide
from consentry.leaflets.services import new_draft
from consentry.leaflets.services import publish as publish_leaflet
from consentry.photos import takedowns, tasks
from consentry.photos.models import Face, TakeDown
from consentry.photos.publishing import publish
from consentry.schools.models import Guardianship
from tests.adhoc.helpers import ask
from tests.photos.helpers import make_photo


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def photo(world):
    """Emma's face, with only `parent`'s yes for the class group and public: one yes and no
    refusal is consent, until that yes stops counting."""
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    decide(world.parent, world.emma, {2: True, 4: True})
    return photo


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_a_save_with_a_yes_and_a_no_takes_down_what_the_no_covers(world, photo, after_commit):
    publish(photo, 4, "blur", actor=world.teacher)
    with after_commit():
        response = _client(world.parent).post(
            reverse("pupil_consent", args=[world.emma.pk]),
            {"category_2": "yes", "category_4": "no", "category_6": "yes"},
        )
    assert response.status_code in (200, 302)
    takedown = TakeDown.objects.get()
    assert (takedown.kind, takedown.publication.category) == ("external", 4)


def test_a_material_leaflet_change_takes_down_what_was_published(world, photo, after_commit):
    """A new answer round: no earlier answer counts, so Emma is hidden until asked again."""
    internal = publish(photo, 2, "blur", actor=world.teacher)
    public = publish(photo, 4, "blur", actor=world.teacher)
    draft = new_draft(world.leaflet, label="versie 2027", actor=world.leadership)
    with after_commit():
        publish_leaflet(draft, actor=world.leadership, material_change=True)
    done = {t.publication_id: t for t in TakeDown.objects.all()}
    assert done[internal.pk].status == "done" and done[internal.pk].replacement is not None
    assert done[public.pk].status == "open"
    internal.refresh_from_db()
    assert internal.withdrawn_at is not None


def test_a_minor_edit_takes_nothing_down(world, photo, after_commit):
    publish(photo, 2, "blur", actor=world.teacher)
    draft = new_draft(world.leaflet, label="versie 2023b", actor=world.leadership)
    with after_commit():
        publish_leaflet(draft, actor=world.leadership, material_change=False)
    assert not TakeDown.objects.exists()


def test_a_sixteenth_birthday_takes_down_in_the_daily_sweep(world, photo, after_commit):
    """From 16 only the pupil's own answer counts; Emma has not answered herself. Nothing
    happens on the day before; the sweep on her birthday takes the photos down."""
    birthday = timezone.localdate() + timedelta(days=3)
    world.emma.date_of_birth = date(birthday.year - 16, birthday.month, birthday.day)
    world.emma.save(update_fields=["date_of_birth"])
    internal = publish(photo, 2, "blur", actor=world.teacher)
    assert takedowns.sweep_school(world.school.pk, on=birthday - timedelta(days=1)) == 0
    assert takedowns.sweep_school(world.school.pk, on=birthday) == 1
    takedown = TakeDown.objects.get(publication=internal)
    assert takedown.replacement.snapshot[0]["visible"] is False
    assert takedowns.sweep_school(world.school.pk, on=birthday) == 0  # idempotent


def test_the_daily_sweep_is_scheduled_and_queues_every_school_with_publications(
    world, photo, after_commit
):
    from consentry.jobs.schedule import SCHEDULE

    assert "consentry.photos.tasks.sweep_takedowns" in {entry.task for entry in SCHEDULE}
    publish(photo, 2, "blur", actor=world.teacher)
    # A lapse that no signal reported (here: a row changed behind the engine's back).
    Guardianship.objects.filter(guardian=world.parent).update(has_parental_authority=False)
    assert tasks.sweep_takedowns.call() == 1  # one school has current publications
    assert TakeDown.objects.filter(pupil=world.emma).count() == 1


def test_losing_parental_authority_in_a_roster_import_takes_down(
    world, photo, after_commit, tmp_path
):
    publish(photo, 2, "blur", actor=world.teacher)
    path = tmp_path / "ouders.csv"
    path.write_text(
        "pupil_number,guardian_name,email,parental_authority\r\n"
        "1001,Parent of Emma,parent@example.nl,nee\r\n"
    )
    with after_commit():
        call_command(
            "import", "guardians", str(path), "--school", world.school.brin, stdout=StringIO()
        )
    assert not Guardianship.objects.get(guardian=world.parent).has_parental_authority
    assert TakeDown.objects.get(pupil=world.emma).status == "done"


def test_a_request_deadline_narrows_nobody(world, photo, after_commit):
    """After the deadline a yes given in time stands (only a withdrawal is accepted), so the
    sweep leaves the request's photo alone; a withdrawal after it still takes it down."""
    paper = ask(world, deadline=timezone.localdate())
    answer(world.parent, paper, world.emma, True)
    publication = publish(photo, paper, "blur", actor=world.teacher)
    paper.deadline = timezone.localdate() - timedelta(days=1)
    paper.save(update_fields=["deadline"])
    assert takedowns.sweep_school(world.school.pk) == 0
    with after_commit():
        answer(world.parent, paper, world.emma, False)
    assert TakeDown.objects.get().publication == publication
