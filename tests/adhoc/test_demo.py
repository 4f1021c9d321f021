"""The demo's requests: one open with some answers, one whose deadline has passed."""

from django.utils import timezone

from consentry.adhoc.demo import seed_requests
from consentry.adhoc.services import coverage
from consentry.mail.models import OutgoingMail


def test_the_demo_has_an_open_request_with_answers_and_one_past_its_deadline(world):
    world.group.name, world.other_group.name = "Zonnebloem", "Regenboog"
    world.group.save()
    world.other_group.save()
    newspaper, open_day = seed_requests(
        world.school, teacher=world.teacher, leadership=world.leadership
    )
    now = timezone.now()
    assert newspaper.purpose == "Foto in de regionale krant na de sportdag"
    assert newspaper.accepts_answers(now) and newspaper.preview
    assert coverage(newspaper).approved == {world.emma.pk}
    assert open_day.effective_status(now) == "closed"
    assert coverage(open_day).approved == {world.noah.pk}
    assert not OutgoingMail.objects.exists()  # the demo's outbox stays for sign-in codes
