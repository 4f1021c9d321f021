"""Recording consent: what is stored, what is refused, and what the audit log proves."""

from datetime import date

import pytest
from django.utils import timezone

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.consent.services import (
    ConsentError,
    NotAllowed,
    State,
    check,
    decide,
    record_paper_form,
    set_never_flag,
)
from consentry.leaflets.models import LeafletVersion
from consentry.schools.models import Group, Guardianship, Pupil

from .helpers import verdict

# Recording and refusing.


def test_decide_records_one_event_per_changed_category(world):
    events = decide(world.parent, world.emma, {1: True, 2: False})
    assert [(e.category_number, e.given) for e in events] == [(1, True), (2, False)]
    assert ConsentEvent.objects.count() == 2


def test_resaving_the_same_answer_creates_no_event(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    entries = AuditEntry.objects.count()
    assert decide(world.parent, world.emma, {1: True, 2: False}) == []
    assert ConsentEvent.objects.count() == 2
    assert AuditEntry.objects.count() == entries


def test_resaving_records_only_the_changed_categories(world):
    decide(world.parent, world.emma, {1: True, 2: False})
    [event] = decide(world.parent, world.emma, {1: True, 2: True})
    assert (event.category_number, event.given) == (2, True)


def test_the_same_answer_as_the_other_guardian_is_still_recorded(world):
    decide(world.parent, world.emma, {1: True})
    assert len(decide(world.other_parent, world.emma, {1: True})) == 1


@pytest.mark.parametrize("decisions", [{5: True}, {99: False}, {1: True, 5: True}, {0: True}])
def test_unknown_category_is_refused_and_nothing_is_stored(world, decisions):
    entries = AuditEntry.objects.count()
    with pytest.raises(ConsentError):
        decide(world.parent, world.emma, decisions)
    assert not ConsentEvent.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_empty_decisions_are_refused(world):
    with pytest.raises(ConsentError):
        decide(world.parent, world.emma, {})
    assert not ConsentEvent.objects.exists()


def test_unknown_channel_is_refused(world):
    with pytest.raises(ConsentError):
        decide(world.parent, world.emma, {1: True}, channel="paper")
    assert not ConsentEvent.objects.exists()


def test_api_channel_is_recorded_as_such(world):
    [event] = decide(world.parent, world.emma, {1: True}, channel="api")
    assert event.channel == ConsentEvent.Channel.API


def test_no_decision_without_an_active_leaflet(world):
    world.leaflet.status = "archived"
    world.leaflet.save(update_fields=["status"])
    with pytest.raises(ConsentError):
        decide(world.parent, world.emma, {1: True})
    assert not ConsentEvent.objects.exists()


# What every event records.


def test_every_event_records_actor_time_channel_and_leaflet_version(world):
    before = timezone.now()
    [event] = decide(world.parent, world.emma, {4: False})
    event.refresh_from_db()
    assert event.pupil == world.emma
    assert event.actor == world.parent
    assert event.guardian == world.parent
    assert event.actor_role == ConsentEvent.ActorRole.GUARDIAN
    assert event.channel == ConsentEvent.Channel.WEB
    assert event.leaflet_version == world.leaflet
    assert event.category_number == 4
    assert event.given is False
    assert before <= event.recorded_at <= timezone.now()


def test_every_event_writes_a_consent_recorded_audit_entry(world):
    events = decide(world.parent, world.emma, {1: True, 2: False, 3: True})
    entries = list(AuditEntry.objects.filter(action="consent.recorded").order_by("sequence"))
    assert len(entries) == len(events) == 3
    for event, entry in zip(events, entries, strict=True):
        assert entry.actor_id == world.parent.pk
        assert entry.school_id == world.school.pk
        assert entry.object_type == "consent.consentevent"
        assert entry.object_id == str(event.pk)
        assert entry.data["pupil_id"] == world.emma.pk
        assert entry.data["category"] == event.category_number
        assert entry.data["given"] is event.given
        assert entry.data["leaflet_version_id"] == world.leaflet.pk
        assert entry.data["guardian_id"] == world.parent.pk
        assert entry.data["channel"] == "web"


def test_audit_entries_hold_ids_not_names(world):
    decide(world.parent, world.emma, {1: True})
    entry = AuditEntry.objects.get(action="consent.recorded")
    dumped = repr((entry.data, entry.actor_label))
    assert "Emma" not in dumped
    assert "Parent of Emma" not in dumped
    assert "parent@example.nl" not in dumped


def test_a_refused_decision_writes_no_audit_entry(world):
    entries = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        decide(world.teacher, world.emma, {1: True})
    assert AuditEntry.objects.count() == entries


# Paper forms.


def test_paper_form_is_recorded_by_the_leadership_for_the_signing_guardian(world):
    [event] = record_paper_form(
        world.leadership,
        world.emma,
        {1: True},
        signed_by=world.other_parent,
        note="  Ondertekend formulier, ingeleverd bij de groepsleerkracht  ",
    )
    event.refresh_from_db()
    assert event.channel == ConsentEvent.Channel.PAPER
    assert event.actor == world.leadership
    assert event.actor_role == ConsentEvent.ActorRole.STAFF
    assert event.guardian == world.other_parent
    assert event.note == "Ondertekend formulier, ingeleverd bij de groepsleerkracht"
    assert event.leaflet_version == world.leaflet
    entry = AuditEntry.objects.get(action="consent.recorded")
    assert entry.actor_id == world.leadership.pk
    assert entry.data["guardian_id"] == world.other_parent.pk
    assert entry.data["channel"] == "paper"


def test_paper_form_counts_as_that_guardians_answer(world):
    record_paper_form(
        world.leadership, world.emma, {1: True}, signed_by=world.parent, note="formulier"
    )
    assert verdict(world.emma, 1).state is State.YES
    # The guardian's own later answer continues from the paper answer ...
    assert decide(world.parent, world.emma, {1: True}) == []
    # ... and the other guardian's refusal still wins against it.
    decide(world.other_parent, world.emma, {1: False})
    assert verdict(world.emma, 1).state is State.CONFLICT
    # A later paper withdrawal replaces the guardian's earlier paper yes.
    record_paper_form(
        world.leadership, world.emma, {1: False}, signed_by=world.parent, note="intrekking"
    )
    assert verdict(world.emma, 1).state is State.NO


@pytest.mark.parametrize(
    "who", ["teacher", "intern", "privacy_officer", "parent", "other_leadership"]
)
def test_only_the_schools_leadership_can_record_a_paper_form(world, who):
    with pytest.raises(NotAllowed):
        record_paper_form(
            getattr(world, who), world.emma, {1: True}, signed_by=world.parent, note="formulier"
        )
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("note", ["", "  \t "])
def test_paper_form_needs_a_note(world, note):
    with pytest.raises(ConsentError):
        record_paper_form(
            world.leadership, world.emma, {1: True}, signed_by=world.parent, note=note
        )
    assert not ConsentEvent.objects.exists()


def test_paper_form_signer_must_be_a_guardian_of_the_pupil(world):
    with pytest.raises(ConsentError):
        record_paper_form(
            world.leadership, world.emma, {1: True}, signed_by=world.another_parent, note="form"
        )
    with pytest.raises(ConsentError):
        record_paper_form(
            world.leadership, world.emma, {1: True}, signed_by=world.teacher, note="form"
        )
    assert not ConsentEvent.objects.exists()


def test_paper_form_signer_must_have_parental_authority(world):
    Guardianship.objects.filter(guardian=world.parent, pupil=world.emma).update(
        has_parental_authority=False
    )
    with pytest.raises(ConsentError):
        record_paper_form(
            world.leadership, world.emma, {1: True}, signed_by=world.parent, note="formulier"
        )
    assert not ConsentEvent.objects.exists()


def test_paper_form_below_16_needs_a_signing_guardian(world):
    with pytest.raises(ConsentError):
        record_paper_form(world.leadership, world.emma, {1: True}, signed_by=None, note="form")
    assert not ConsentEvent.objects.exists()


def test_paper_form_from_16_is_signed_by_the_pupil(world, sixteen):
    with pytest.raises(ConsentError):
        record_paper_form(world.leadership, sixteen, {1: True}, signed_by=world.parent, note="f")
    [event] = record_paper_form(
        world.leadership, sixteen, {1: True}, signed_by=None, note="door leerling getekend"
    )
    assert event.guardian is None
    assert event.actor == world.leadership
    assert event.channel == ConsentEvent.Channel.PAPER
    v = verdict(sixteen, 1)
    assert (v.state, v.reason) == (State.YES, "pupil_consented")


def test_paper_form_with_unknown_category_stores_nothing(world):
    with pytest.raises(ConsentError):
        record_paper_form(
            world.leadership, world.emma, {5: True}, signed_by=world.parent, note="formulier"
        )
    assert not ConsentEvent.objects.exists()


# Append-only.


def test_consent_event_cannot_be_changed(world):
    [event] = decide(world.parent, world.emma, {1: True})
    event.given = False
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.given is True


def test_consent_event_cannot_be_deleted(world):
    [event] = decide(world.parent, world.emma, {1: True})
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_never_flag_event_cannot_be_changed_or_deleted(world):
    event = set_never_flag(world.leadership, world.emma, active=True, reason="Veiligheid")
    event.active = False
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    event.refresh_from_db()
    assert event.active is True
    assert NeverFlagEvent.objects.filter(pk=event.pk).exists()


# check(): a fixed number of queries, however many pupils.

CHECK_QUERIES = 4  # the facts: pupils with flags, versions with categories, guardians, events


def _bulk_pupils(world, name: str, count: int) -> Group:
    """`count` pupils in a new group, each with a guardian with authority and one without.

    Category 1: pupil i has a yes (i % 4 == 0), a refusal (i % 4 == 1), a yes overruled by
    a refusal (i % 4 == 2) or no answer (i % 4 == 3); the guardian without authority always
    refuses; every tenth pupil has a never flag; answers of an old round never count.
    """
    group = Group.objects.create(school=world.school, name=name, school_year="2026-2027")
    pupils = Pupil.objects.bulk_create(
        Pupil(
            school=world.school,
            group=group,
            given_name=f"Kind {i}",
            family_name="Bulk",
            date_of_birth=date(2017, 1, 1),
            pupil_number=f"{name}-{i}",
        )
        for i in range(count)
    )
    users = User.objects.bulk_create(
        User(email=f"{name.lower()}-{i}-{k}@example.nl", full_name=f"Ouder {i}", password="!")
        for i in range(count)
        for k in (1, 2, 3)
    )
    old_round = LeafletVersion.objects.create(
        school=world.school, label=f"oud {name}", status="archived", answer_round=0
    )
    guardianships, events, flags = [], [], []
    now = timezone.now()

    def event(pupil, guardian, given, number=1, version=world.leaflet):
        return ConsentEvent(
            pupil=pupil,
            category_number=number,
            leaflet_version=version,
            given=given,
            actor=guardian,
            actor_role="guardian",
            guardian=guardian,
            channel="web",
            recorded_at=now,
        )

    for i, pupil in enumerate(pupils):
        first, second, powerless = users[3 * i : 3 * i + 3]
        guardianships += [
            Guardianship(guardian=first, pupil=pupil, has_parental_authority=True),
            Guardianship(guardian=second, pupil=pupil, has_parental_authority=True),
            Guardianship(guardian=powerless, pupil=pupil, has_parental_authority=False),
        ]
        events.append(event(pupil, powerless, False))
        events.append(event(pupil, first, True, number=2))
        if i % 4 == 0:
            events.append(event(pupil, first, True))
        elif i % 4 == 1:
            events.append(event(pupil, second, False))
        elif i % 4 == 2:
            events += [event(pupil, first, True), event(pupil, second, False)]
        else:
            events.append(event(pupil, first, True, version=old_round))
        if i % 10 == 0:
            flags.append(
                NeverFlagEvent(pupil=pupil, active=True, reason="r", actor=world.leadership)
            )
    Guardianship.objects.bulk_create(guardianships)
    ConsentEvent.objects.bulk_create(events)
    NeverFlagEvent.objects.bulk_create(flags)
    return group


@pytest.mark.parametrize("count", [1000, 10])
def test_check_uses_a_fixed_number_of_queries(world, django_assert_num_queries, count):
    group = _bulk_pupils(world, f"G{count}", count)
    pupils = Pupil.objects.filter(group=group)
    with django_assert_num_queries(CHECK_QUERIES):
        result = check(pupils, world.school, 1)
    with django_assert_num_queries(CHECK_QUERIES):
        second = check(pupils, world.school, 2)

    index = {pk: int(n.split("-")[1]) for pk, n in pupils.values_list("id", "pupil_number")}
    assert sorted(v.pupil_id for v in result) == sorted(index)
    for v in result:
        i = index[v.pupil_id]
        if i % 10 == 0:
            expected = State.NEVER
        else:
            expected = [State.YES, State.NO, State.CONFLICT, State.UNANSWERED][i % 4]
        assert (v.category_number, v.state) == (1, expected), i
    assert sum(v.allowed for v in result) == sum(
        1 for i in range(count) if i % 4 == 0 and i % 10 != 0
    )
    # Category 2: every first guardian said yes; only the flagged tenth are not allowed.
    assert sum(v.allowed for v in second) == count - len(range(0, count, 10))
