"""The consent rules (consentry.consent.services docstring), each from the outside in."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.consent.services import (
    ConsentError,
    NotAllowed,
    State,
    check,
    decide,
    is_never_flagged,
    set_never_flag,
)
from consentry.schools.models import Guardianship, Pupil
from tests.world import CATEGORY_NUMBERS

from .helpers import give_account, sixteenth_birthday, verdict, verdicts

ALL_YES = dict.fromkeys(CATEGORY_NUMBERS, True)


# Rule 4: unanswered means no.


def test_unanswered_means_no(world):
    for number, v in verdicts(world.emma).items():
        assert v.state is State.UNANSWERED, number
        assert v.reason == "no_answer"
        assert v.allowed is False


def test_overview_covers_every_category_of_the_active_leaflet(world):
    assert sorted(verdicts(world.emma)) == CATEGORY_NUMBERS


# Rule 3: guardians with parental authority; a refusal wins.


def test_one_guardians_yes_without_refusal_is_consent(world):
    decide(world.parent, world.emma, {1: True})
    v = verdict(world.emma, 1)
    assert (v.state, v.reason, v.allowed) == (State.YES, "consent_given", True)
    assert verdict(world.emma, 2).state is State.UNANSWERED


def test_both_guardians_yes_is_consent(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.other_parent, world.emma, {1: True})
    assert verdict(world.emma, 1).state is State.YES


def test_refusal_by_either_guardian_wins_as_conflict(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.other_parent, world.emma, {1: False})
    v = verdict(world.emma, 1)
    assert (v.state, v.reason, v.allowed) == (State.CONFLICT, "guardians_disagree", False)


def test_refusal_first_then_other_guardians_yes_is_still_conflict(world):
    decide(world.other_parent, world.emma, {1: False})
    decide(world.parent, world.emma, {1: True})
    assert verdict(world.emma, 1).state is State.CONFLICT
    assert verdict(world.emma, 1).allowed is False


def test_a_single_refusal_is_no(world):
    decide(world.other_parent, world.emma, {3: False})
    v = verdict(world.emma, 3)
    assert (v.state, v.reason, v.allowed) == (State.NO, "refused", False)


def test_answers_are_per_pupil(world):
    decide(world.parent, world.emma, {1: True})
    assert verdict(world.noah, 1).state is State.UNANSWERED


def test_guardian_without_parental_authority_cannot_decide(world):
    Guardianship.objects.filter(guardian=world.other_parent, pupil=world.emma).update(
        has_parental_authority=False
    )
    with pytest.raises(NotAllowed):
        decide(world.other_parent, world.emma, {1: False})
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("who", ["another_parent", "teacher", "leadership", "privacy_officer"])
def test_someone_who_is_not_a_guardian_cannot_decide(world, who):
    with pytest.raises(NotAllowed):
        decide(getattr(world, who), world.emma, {1: True})
    assert not ConsentEvent.objects.exists()


def test_old_refusal_of_a_guardian_who_lost_authority_no_longer_counts(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.other_parent, world.emma, {1: False})
    assert verdict(world.emma, 1).state is State.CONFLICT
    Guardianship.objects.filter(guardian=world.other_parent, pupil=world.emma).update(
        has_parental_authority=False
    )
    assert verdict(world.emma, 1).state is State.YES
    assert ConsentEvent.objects.filter(guardian=world.other_parent).count() == 1  # history kept


def test_old_yes_of_a_guardian_who_lost_authority_no_longer_counts(world):
    decide(world.parent, world.emma, {1: True})
    Guardianship.objects.filter(guardian=world.parent, pupil=world.emma).update(
        has_parental_authority=False
    )
    assert verdict(world.emma, 1).state is State.UNANSWERED
    assert verdict(world.emma, 1).allowed is False


def test_answers_of_a_removed_guardian_no_longer_count(world):
    decide(world.parent, world.emma, {1: True})
    Guardianship.objects.filter(guardian=world.parent, pupil=world.emma).delete()
    assert verdict(world.emma, 1).state is State.UNANSWERED


# Rule 2: from 16 the pupil decides.


def test_guardians_answers_stop_counting_on_the_16th_birthday(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    birthday = sixteenth_birthday(world.emma)
    day_before = birthday - timedelta(days=1)
    assert verdict(world.emma, 1, on=day_before).state is State.YES
    assert verdict(world.emma, 2, on=day_before).state is State.NO
    for number in (1, 2):
        v = verdict(world.emma, number, on=birthday)
        assert (v.state, v.reason, v.allowed) == (State.UNANSWERED, "pupil_no_answer", False)


def test_guardian_cannot_decide_for_a_pupil_of_16(world, sixteen):
    with pytest.raises(ConsentError):
        decide(world.parent, sixteen, {1: True})
    assert not ConsentEvent.objects.exists()


def test_guardian_can_still_decide_the_day_before_the_16th_birthday(world, fifteen):
    decide(world.parent, fifteen, {1: True})
    assert verdict(fifteen, 1).state is State.YES
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert verdict(fifteen, 1, on=tomorrow).state is State.UNANSWERED


def test_pupil_of_16_with_an_account_decides(world, sixteen):
    account = give_account(sixteen, "sanne@example.nl")
    [event] = decide(account, sixteen, {1: True})
    assert event.guardian is None
    assert event.actor == account
    assert event.actor_role == ConsentEvent.ActorRole.PUPIL
    v = verdict(sixteen, 1)
    assert (v.state, v.reason, v.allowed) == (State.YES, "pupil_consented", True)
    decide(account, sixteen, {1: False})
    v = verdict(sixteen, 1)
    assert (v.state, v.reason, v.allowed) == (State.NO, "pupil_refused", False)


def test_pupil_of_16_is_not_outvoted_by_a_guardians_earlier_refusal(world, fifteen, monkeypatch):
    decide(world.parent, fifteen, {1: False})
    account = give_account(fifteen, "finn@example.nl")
    with pytest.raises(ConsentError):
        decide(account, fifteen, {1: True})  # still 15 today
    birthday = timezone.localdate() + timedelta(days=1)
    tomorrow_noon = timezone.now() + timedelta(days=1)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: tomorrow_noon)
        with pytest.raises(ConsentError):
            decide(world.parent, fifteen, {1: False})  # the guardian no longer decides
        decide(account, fifteen, {1: True})
    v = verdict(fifteen, 1, on=birthday)
    assert (v.state, v.reason, v.allowed) == (State.YES, "pupil_consented", True)
    assert verdict(fifteen, 1, on=birthday - timedelta(days=1)).state is State.NO


def test_account_of_a_15_year_old_is_refused(world, fifteen):
    account = give_account(fifteen, "finn@example.nl")
    with pytest.raises(ConsentError):
        decide(account, fifteen, {1: True})
    assert not ConsentEvent.objects.exists()


def test_pupil_cannot_decide_for_another_pupil(world, sixteen):
    account = give_account(sixteen, "sanne@example.nl")
    with pytest.raises(NotAllowed):
        decide(account, world.emma, {1: True})


# Rule 1: the never flag beats every consent.


def test_never_flag_beats_yes_for_every_category(world):
    decide(world.parent, world.emma, ALL_YES)
    assert all(v.allowed for v in verdicts(world.emma).values())
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    assert is_never_flagged(world.emma)
    for number, v in verdicts(world.emma).items():
        assert (v.state, v.reason, v.allowed) == (State.NEVER, "never_photograph", False), number
    assert not any(
        v.allowed for v in check(Pupil.objects.filter(pk=world.emma.pk), world.school, 1)
    )


def test_never_flag_beats_a_16_year_olds_own_yes(world, sixteen):
    account = give_account(sixteen, "sanne@example.nl")
    decide(account, sixteen, {1: True})
    set_never_flag(world.leadership, sixteen, active=True, reason="Veiligheid")
    assert verdict(sixteen, 1).state is State.NEVER


def test_never_flag_only_touches_its_own_pupil(world):
    decide(world.another_parent, world.noah, {1: True})
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    assert verdict(world.noah, 1).state is State.YES


def test_lifting_the_never_flag_restores_the_consent_state(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    set_never_flag(world.leadership, world.emma, active=False, reason="Situatie opgelost")
    assert not is_never_flagged(world.emma)
    assert verdict(world.emma, 1).state is State.YES
    assert verdict(world.emma, 2).state is State.NO
    assert verdict(world.emma, 3).state is State.UNANSWERED
    assert NeverFlagEvent.objects.filter(pupil=world.emma).count() == 2


def test_answers_given_while_flagged_count_once_it_is_lifted(world):
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    decide(world.parent, world.emma, {1: True})
    assert verdict(world.emma, 1).state is State.NEVER
    set_never_flag(world.leadership, world.emma, active=False, reason="Opgelost")
    assert verdict(world.emma, 1).state is State.YES


@pytest.mark.parametrize(
    "who", ["teacher", "intern", "privacy_officer", "parent", "other_leadership"]
)
def test_only_the_schools_leadership_can_set_the_never_flag(world, who):
    with pytest.raises(NotAllowed):
        set_never_flag(getattr(world, who), world.emma, active=True, reason="Veiligheid")
    assert not NeverFlagEvent.objects.exists()
    assert not is_never_flagged(world.emma)


def test_only_the_leadership_can_lift_the_never_flag(world):
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    with pytest.raises(NotAllowed):
        set_never_flag(world.teacher, world.emma, active=False, reason="Opgelost")
    assert is_never_flagged(world.emma)


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_never_flag_needs_a_reason(world, reason):
    with pytest.raises(ConsentError):
        set_never_flag(world.leadership, world.emma, active=True, reason=reason)
    assert not NeverFlagEvent.objects.exists()


def test_never_flag_cannot_be_set_twice_or_lifted_when_not_set(world):
    with pytest.raises(ConsentError):
        set_never_flag(world.leadership, world.emma, active=False, reason="Opgelost")
    set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    with pytest.raises(ConsentError):
        set_never_flag(world.leadership, world.emma, active=True, reason="Nogmaals")
    assert NeverFlagEvent.objects.count() == 1


def test_never_flag_reason_stays_out_of_the_audit_log(world):
    secret = "Contactverbod tegen vader-XQ7"
    lifted = "Contactverbod opgeheven-ZP3"
    set_never_flag(world.leadership, world.emma, active=True, reason=secret)
    set_never_flag(world.leadership, world.emma, active=False, reason=lifted)
    entries = AuditEntry.objects.filter(action__startswith="never_flag.")
    assert [e.action for e in entries] == ["never_flag.set", "never_flag.lifted"]
    for entry in AuditEntry.objects.all():
        dumped = repr(
            (entry.data, entry.actor_label, entry.action, entry.object_type, entry.object_id)
        )
        assert "XQ7" not in dumped and "ZP3" not in dumped
    # The pupil, and the keyed digest of the row (audit.rows), from which no reason can be read.
    assert entries[0].data.keys() == {"pupil_id", "row"}
    assert entries[0].data["pupil_id"] == world.emma.pk
    assert entries[0].actor_id == world.leadership.pk
    assert NeverFlagEvent.objects.get(active=True).reason == secret


# Withdrawal: always possible, no deadline.


def test_withdrawal_yes_then_no_is_no(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.parent, world.emma, {1: False})
    v = verdict(world.emma, 1)
    assert (v.state, v.allowed) == (State.NO, False)


def test_withdrawal_years_after_consent_still_works(world, monkeypatch):
    years_ago = timezone.now() - timedelta(days=4 * 365)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: years_ago)
        [old_yes] = decide(world.parent, world.emma, {1: True})
    assert old_yes.recorded_at == years_ago
    later = sixteenth_birthday(world.emma) - timedelta(days=1)  # years on, still 15
    assert verdict(world.emma, 1).state is State.YES
    assert verdict(world.emma, 1, on=later).state is State.YES  # consent does not expire
    [withdrawal] = decide(world.parent, world.emma, {1: False})
    assert withdrawal.recorded_at > old_yes.recorded_at
    assert verdict(world.emma, 1).state is State.NO
    assert verdict(world.emma, 1, on=later).state is State.NO


def test_latest_answer_of_a_guardian_counts(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.parent, world.emma, {1: False})
    decide(world.parent, world.emma, {1: True})
    assert verdict(world.emma, 1).state is State.YES
    assert ConsentEvent.objects.filter(pupil=world.emma, category_number=1).count() == 3


def test_guardian_can_withdraw_own_yes_without_touching_the_other_guardians_yes(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.other_parent, world.emma, {1: True})
    decide(world.other_parent, world.emma, {1: False})
    assert verdict(world.emma, 1).state is State.CONFLICT


# check(): the photo gate.


def test_check_gives_a_verdict_per_pupil_with_allowed_and_reason(world):
    decide(world.parent, world.emma, {1: True})
    decide(world.another_parent, world.noah, {1: False})
    result = {
        v.pupil_id: v for v in check(Pupil.objects.filter(school=world.school), world.school, 1)
    }
    assert set(result) == {world.emma.pk, world.noah.pk}
    assert (result[world.emma.pk].allowed, result[world.emma.pk].reason) == (True, "consent_given")
    assert (result[world.noah.pk].allowed, result[world.noah.pk].reason) == (False, "refused")
    assert all(v.category_number == 1 for v in result.values())
    assert result[world.noah.pk].reason_text  # a sentence to show, not a key


def test_check_of_an_unanswered_category_is_not_allowed(world):
    decide(world.parent, world.emma, {1: True})
    [v] = check(Pupil.objects.filter(pk=world.emma.pk), world.school, 2)
    assert (v.allowed, v.reason) == (False, "no_answer")


def test_check_refuses_a_pupil_of_another_school(world):
    pupils = Pupil.objects.filter(pk__in=[world.emma.pk, world.other_pupil.pk])
    with pytest.raises(ConsentError):
        check(pupils, world.school, 1)


@pytest.mark.parametrize("number", [5, 99])
def test_check_refuses_a_category_not_in_the_leaflet(world, number):
    with pytest.raises(ConsentError):
        check(Pupil.objects.filter(pk=world.emma.pk), world.school, number)


def test_check_on_the_16th_birthday_follows_the_pupil(world, sixteen):
    # Sanne's guardian could not answer; the pupil has not: no consent.
    [v] = check(Pupil.objects.filter(pk=sixteen.pk), world.school, 1)
    assert (v.allowed, v.reason) == (False, "pupil_no_answer")


def test_overview_on_a_date_before_the_16th_birthday_uses_the_guardians(world, sixteen):
    # Events count by the date asked about, not by the date they were recorded.
    account = give_account(sixteen, "sanne@example.nl")
    decide(account, sixteen, {1: True})
    assert verdict(sixteen, 1).state is State.YES
    day_before = timezone.localdate() - timedelta(days=1)
    assert verdict(sixteen, 1, on=day_before).state is State.UNANSWERED
    assert verdict(sixteen, 1, on=date(2100, 1, 1)).state is State.YES
