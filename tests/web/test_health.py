"""/healthz: what a load balancer and monitoring read."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from consentry.jobs.models import Job
from tests.jobs.tasks import add


def health(client=None):
    response = (client or Client()).get("/healthz")
    return response.status_code, response.json(), response


def test_healthy_without_sign_in_and_never_cached(db):
    status, body, response = health()
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["storage"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_broken_storage_makes_it_unhealthy(db, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    settings.DATA_DIR = blocked
    status, body, _ = health()
    assert status == 503
    assert body["status"] == "failing" and body["storage"] != "ok"


@pytest.mark.usefixtures("audit_flushable")
def test_waiting_jobs_are_counted_and_a_long_wait_is_flagged(transactional_db, settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    settings.HEALTH_MAX_JOB_WAIT_SECONDS = 600
    add.enqueue(1, 2)
    later = add.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(3, 4)
    status, body, _ = health()
    assert status == 200
    assert body["jobs"]["waiting"] == 1  # the deferred one is not waiting yet
    assert body["jobs"]["ok"] is True
    Job.objects.exclude(pk=later.id).update(enqueued_at=timezone.now() - timedelta(hours=2))
    status, body, _ = health()
    assert status == 200  # the web still works: monitoring flags the workers
    assert body["jobs"]["ok"] is False
    assert body["jobs"]["oldest_waiting_seconds"] >= 7200


def test_it_says_nothing_about_people(world):
    _, _, response = health(Client())
    text = response.content.decode()
    assert world.emma.given_name not in text and "@" not in text
