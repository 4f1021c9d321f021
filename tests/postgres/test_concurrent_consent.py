"""Saving consent at the same moment from several connections loses nothing.

Real concurrency needs real transactions: each saver runs in its own thread, so it gets
its own database connection (Django's connections are per thread). Every saver opens its
transaction and reads, then waits at a barrier until all the others are inside theirs too;
only then do they save. Whatever order the database then lets them through in, every
decision must be stored, and the audit chain must stay one unbroken line.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.consent.models import ConsentEvent
from consentry.consent.services import State, consent_overview, decide
from consentry.schools.models import Pupil
from tests.world import CATEGORY_NUMBERS, make_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only", "audit_flushable"),
]

# Generous: only reached when something hangs, and then a clear failure beats a stuck CI.
TIMEOUT = 60


def run_together(savers: list[Callable[[], Any]]) -> list[Any]:
    """Run each saver in its own thread and connection, all inside a transaction at once.

    Returns what each saver returned, in order; re-raises the first error any of them had.
    """
    barrier = threading.Barrier(len(savers), timeout=TIMEOUT)
    results: list[Any] = [None] * len(savers)
    errors: list[BaseException] = []

    def run(index: int, saver: Callable[[], Any]) -> None:
        try:
            with transaction.atomic():
                # The first query begins the transaction on this thread's own connection.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                barrier.wait()
                results[index] = saver()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()  # release the others instead of letting them wait for us
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(savers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a saver hung"
    if errors:
        raise errors[0]
    return results


def saver(guardian: User, pupil: Pupil, decisions: list[dict[int, bool]]) -> Callable[[], Any]:
    """A guardian saving one decision after another, with their own copies of the rows."""
    guardian = User.objects.get(pk=guardian.pk)
    pupil = Pupil.objects.select_related("school").get(pk=pupil.pk)
    return lambda: [decide(guardian, pupil, each) for each in decisions]


def assert_chain_is_whole(consent_entries: int) -> None:
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1)), "the audit sequence has a gap"
    checked, problem = verify_chain()
    assert problem is None, str(problem)
    assert checked == len(sequences)
    recorded = AuditEntry.objects.filter(action="consent.recorded")
    assert recorded.count() == consent_entries
    # Each entry belongs to exactly one stored event.
    assert set(recorded.values_list("object_id", flat=True)) == {
        str(pk) for pk in ConsentEvent.objects.values_list("pk", flat=True)
    }


def test_two_guardians_saving_at_the_same_moment_lose_nothing():
    world = make_world()

    yes, no = run_together(
        [
            saver(world.parent, world.emma, [{4: True}]),
            saver(world.other_parent, world.emma, [{4: False}]),
        ]
    )

    assert [len(events) for events in yes + no] == [1, 1]
    stored = ConsentEvent.objects.filter(pupil=world.emma, category_number=4)
    assert set(stored.values_list("guardian_id", "given")) == {
        (world.parent.pk, True),
        (world.other_parent.pk, False),
    }
    overview = consent_overview(Pupil.objects.filter(pk=world.emma.pk))
    assert overview[world.emma.pk][4].state == State.CONFLICT
    assert_chain_is_whole(consent_entries=2)


def test_ten_savers_at_once_keep_the_audit_sequence_gap_free():
    world = make_world()
    deciders = [
        (world.parent, world.emma),
        (world.other_parent, world.emma),
        (world.another_parent, world.noah),
    ]
    # Ten different (guardian, category) pairs; Emma's two guardians overlap on the first
    # categories, so some of her answers agree and some conflict. Each saver changes its
    # mind twice, so every one of its three saves is a new event.
    plans = []
    for index in range(10):
        guardian, pupil = deciders[index % 3]
        number = CATEGORY_NUMBERS[index // 3]
        first = index % 2 == 0
        plans.append(
            (guardian, pupil, number, [{number: first}, {number: not first}, {number: first}])
        )

    run_together([saver(guardian, pupil, decisions) for guardian, pupil, _, decisions in plans])

    assert ConsentEvent.objects.count() == 30
    assert_chain_is_whole(consent_entries=30)
    # What stands now is each saver's last answer, combined per pupil and category.
    final: dict[tuple[int, int], set[bool]] = {}
    for _guardian, pupil, number, decisions in plans:
        final.setdefault((pupil.pk, number), set()).add(decisions[-1][number])
    overview = consent_overview(Pupil.objects.filter(pk__in=[world.emma.pk, world.noah.pk]))
    expected_state = {
        frozenset({True}): State.YES,
        frozenset({False}): State.NO,
        frozenset({True, False}): State.CONFLICT,
    }
    for (pupil_id, number), answers in final.items():
        assert overview[pupil_id][number].state == expected_state[frozenset(answers)]
