"""The rules of separate consent requests, as the photo gate and the pages rely on them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from consentry.adhoc import services
from consentry.adhoc.models import ConsentRequest, RequestAnswer
from consentry.adhoc.services import (
    NotAllowed,
    RequestError,
    answer,
    close_request,
    coverage,
    outcomes,
    request_allows,
)
from consentry.audit.models import AuditEntry
from consentry.consent.services import State, set_never_flag
from consentry.schools.models import Guardianship
from tests.adhoc.helpers import after_deadline, ask
from tests.consent.helpers import give_account, years_before
from tests.world import make_pupil, make_user


def state(consent_request, pupil, now=None):
    return outcomes(consent_request, now=now)[pupil.pk]


def test_no_answer_by_the_deadline_counts_as_no(world):
    consent_request = ask(world)
    before = state(consent_request, world.emma)
    assert (before.state, before.reason) == (State.UNANSWERED, "no_answer")
    assert not request_allows(consent_request, world.emma)

    later = after_deadline(consent_request)
    final = state(consent_request, world.emma, now=later)
    assert (final.state, final.reason) == (State.NO, "no_answer_by_deadline")
    assert not request_allows(consent_request, world.emma, now=later)
    assert coverage(consent_request, now=later).refused == {world.emma.pk}


def test_one_guardian_saying_no_wins(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    answer(world.other_parent, consent_request, world.emma, False)
    assert state(consent_request, world.emma).state is State.CONFLICT
    assert not request_allows(consent_request, world.emma)

    answer(world.parent, consent_request, world.emma, False)
    assert state(consent_request, world.emma).state is State.NO
    assert not request_allows(consent_request, world.emma)


def test_both_guardians_saying_yes_is_yes(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    answer(world.other_parent, consent_request, world.emma, True)
    assert state(consent_request, world.emma).state is State.YES
    assert request_allows(consent_request, world.emma)
    assert coverage(consent_request).approved == {world.emma.pk}


def test_one_yes_without_a_refusal_is_yes_like_the_consent_engine(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    assert request_allows(consent_request, world.emma)
    # ... and stays yes after the deadline: the other guardian's silence is no refusal.
    assert request_allows(consent_request, world.emma, now=after_deadline(consent_request))


def test_a_guardian_without_authority_cannot_answer(world):
    consent_request = ask(world)
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    with pytest.raises(NotAllowed):
        answer(world.other_parent, consent_request, world.emma, True)
    assert not RequestAnswer.objects.exists()


def test_an_answer_of_someone_who_lost_authority_no_longer_counts(world):
    consent_request = ask(world)
    answer(world.other_parent, consent_request, world.emma, False)
    answer(world.parent, consent_request, world.emma, True)
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    assert request_allows(consent_request, world.emma)


def test_the_guardian_of_another_child_cannot_answer(world):
    consent_request = ask(world)
    with pytest.raises(NotAllowed):
        answer(world.another_parent, consent_request, world.emma, True)
    with pytest.raises(NotAllowed):  # Noah is not in the request
        answer(world.another_parent, consent_request, world.noah, True)
    assert not RequestAnswer.objects.exists()


def test_answering_after_the_deadline_is_refused_with_a_clear_message(world):
    consent_request = ask(world)
    with pytest.raises(RequestError, match="The deadline for this request has passed"):
        answer(world.parent, consent_request, world.emma, True, now=after_deadline(consent_request))
    assert not RequestAnswer.objects.exists()


def test_a_yes_can_be_withdrawn_after_the_deadline(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    later = after_deadline(consent_request)
    answer(world.parent, consent_request, world.emma, False, now=later)
    assert not request_allows(consent_request, world.emma, now=later)
    with pytest.raises(RequestError):  # but not given again
        answer(world.parent, consent_request, world.emma, True, now=later)


def test_the_deadline_day_itself_still_counts(world):
    today = timezone.localdate()
    consent_request = ask(world, deadline=today)
    late_evening = consent_request.closes_at - timedelta(minutes=1)
    answer(world.parent, consent_request, world.emma, True, now=late_evening)
    assert request_allows(consent_request, world.emma, now=late_evening)


def test_closing_early_stops_answers_and_keeps_them(world):
    consent_request = ask(world, world.emma, world.noah)
    answer(world.parent, consent_request, world.emma, True)
    close_request(consent_request, actor=world.leadership)
    with pytest.raises(RequestError):
        answer(world.another_parent, consent_request, world.noah, True)
    assert coverage(consent_request).approved == {world.emma.pk}
    assert state(consent_request, world.noah).reason == "no_answer_by_deadline"


def test_a_draft_allows_nobody_and_takes_no_answers(world):
    consent_request = ask(world, send=False)
    with pytest.raises(RequestError, match="not been sent"):
        answer(world.parent, consent_request, world.emma, True)
    assert not request_allows(consent_request, world.emma)
    assert coverage(consent_request).waiting == {world.emma.pk}


def test_from_16_the_pupil_decides_not_the_guardians(world):
    today = timezone.localdate()
    teen = make_pupil(
        world.school, world.group, "1003", "Tess", date_of_birth=years_before(today, 16)
    )
    Guardianship.objects.create(guardian=world.parent, pupil=teen, has_parental_authority=True)
    own = give_account(teen, "tess@example.nl")
    consent_request = ask(world, teen)
    with pytest.raises(RequestError, match="16 or older"):
        answer(world.parent, consent_request, teen, True)
    assert state(consent_request, teen).reason == "pupil_no_answer"
    answer(own, consent_request, teen, True)
    assert request_allows(consent_request, teen)


def test_a_pupil_under_16_cannot_answer_for_themself(world):
    own = give_account(world.emma, "emma@example.nl")
    consent_request = ask(world)
    with pytest.raises(RequestError, match="guardians decide"):
        answer(own, consent_request, world.emma, True)


def test_a_never_photograph_flag_beats_the_yes(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding.")
    assert not request_allows(consent_request, world.emma)
    summary = coverage(consent_request)
    assert (summary.approved, summary.never) == (frozenset(), {world.emma.pk})


def test_only_the_pupils_of_the_request_are_covered(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    assert not request_allows(consent_request, world.noah)


def test_the_same_answer_twice_records_once_and_every_change_is_audited(world):
    consent_request = ask(world)
    audited = AuditEntry.objects.count()
    assert answer(world.parent, consent_request, world.emma, True) is not None
    assert answer(world.parent, consent_request, world.emma, True) is None
    answer(world.parent, consent_request, world.emma, False)
    assert list(RequestAnswer.objects.values_list("given", flat=True)) == [True, False]
    assert AuditEntry.objects.count() == audited + 2
    assert AuditEntry.objects.last().action == "adhoc.answer.recorded"


def test_answers_are_append_only(world):
    consent_request = ask(world)
    given = answer(world.parent, consent_request, world.emma, True)
    given.given = False
    with pytest.raises(ValueError, match="append-only"):
        given.save()
    with pytest.raises(ValueError, match="append-only"):
        given.delete()


def test_outcomes_can_be_read_as_they_stood_earlier(world):
    consent_request = ask(world)
    answer(world.parent, consent_request, world.emma, True)
    earlier = timezone.now() - timedelta(hours=1)
    assert not request_allows(consent_request, world.emma, now=earlier)


def test_a_teacher_asks_only_about_their_own_groups(world):
    with pytest.raises(NotAllowed):
        services.create_request(
            school=world.school,
            actor=world.teacher,
            purpose="P",
            description="D",
            pupils=[world.noah],
            deadline=timezone.localdate() + timedelta(days=3),
        )
    with pytest.raises(NotAllowed):  # the privacy officer reads along, does not ask
        services.create_request(
            school=world.school,
            actor=world.privacy_officer,
            purpose="P",
            description="D",
            pupils=[world.emma],
            deadline=timezone.localdate() + timedelta(days=3),
        )
    assert not ConsentRequest.objects.exists()


def test_a_deadline_in_the_past_is_refused(world):
    with pytest.raises(RequestError, match="in the past"):
        ask(world, deadline=date(2020, 1, 1))
    assert not ConsentRequest.objects.exists()


def test_a_request_is_sent_once_and_only_a_draft_changes(world):
    consent_request = ask(world)
    with pytest.raises(RequestError, match="already been sent"):
        services.open_request(consent_request, actor=world.teacher)
    with pytest.raises(NotAllowed):
        services.save_draft(consent_request, actor=world.teacher, pupils=[world.emma])


def test_only_the_writer_or_the_leadership_changes_a_request(world):
    consent_request = ask(world, send=False)
    other = make_user("third.teacher@school.nl", "Third teacher")
    with pytest.raises(NotAllowed):
        services.open_request(consent_request, actor=other)
    with pytest.raises(NotAllowed):
        services.open_request(consent_request, actor=world.privacy_officer)
    services.open_request(consent_request, actor=world.leadership)
    consent_request.refresh_from_db()
    assert consent_request.status == "open"
