"""`/healthz`, for load balancers and monitoring: is this web process able to serve?

Answers 200 when the database and the file storage work, 503 otherwise (a load balancer then
sends people elsewhere). It also says how the background jobs are doing (how many wait, and
for how long the oldest has waited): a long wait means the workers are down or too few, which
monitoring should flag; the web itself still works, so that alone is no 503. Nothing personal
is in it, and it needs no sign-in.
"""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from consentry.processors.storage import check_storage


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # whatever it is, the answer is "not healthy"
        return type(error).__name__
    return None


def _jobs() -> dict:
    queue_state = getattr(task_backends["default"], "queue_state", None)
    if queue_state is None:
        return {"ok": True, "waiting": 0, "oldest_waiting_seconds": 0}
    waiting, oldest = queue_state()
    age = max(0, round((timezone.now() - oldest).total_seconds())) if oldest else 0
    limit = settings.HEALTH_MAX_JOB_WAIT_SECONDS
    return {"ok": age <= limit, "waiting": waiting, "oldest_waiting_seconds": age}


@never_cache
@require_GET
def healthz(request):
    started = time.monotonic()
    database = _database()
    storage = check_storage() if database is None else "not checked"
    body = {
        "status": "ok" if database is None and storage is None else "failing",
        "database": database or "ok",
        "storage": storage or "ok",
        "jobs": _jobs() if database is None else None,
        "seconds": round(time.monotonic() - started, 3),
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
