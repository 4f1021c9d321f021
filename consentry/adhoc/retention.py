"""Separate requests in retention and the pupil's export (`consentry.retention.registry`),
registered from `AdhocConfig.ready()`.

- Rule `adhoc.preview`: a request's preview image (usually a photo of children) is needed
  only while guardians decide; 30 days after the request closed (or its deadline passed) the
  image is destroyed. The request and its answers stay: they are the proof.
- Export: the families' answers are theirs to see (GDPR art. 15), like their answers to the
  leaflet.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.retention.registry import (
    Item,
    Rule,
    Section,
    in_pages,
    register_rule,
    register_section,
)
from consentry.schools.models import Pupil

from .models import ConsentRequest, RequestAnswer


def export(pupil: Pupil) -> list[dict[str, Any]]:
    """Each request that concerned the pupil, with every answer given for them."""
    answers = RequestAnswer.objects.filter(pupil=pupil).select_related("guardian", "actor")
    by_request: dict[int, list[RequestAnswer]] = {}
    for answer in answers.order_by("recorded_at", "pk"):
        by_request.setdefault(answer.request_id, []).append(answer)
    requests = ConsentRequest.objects.filter(pupils=pupil).exclude(opened_at=None)
    return [
        {
            "purpose": request.purpose,
            "description": request.description,
            "sent_at": request.opened_at,
            "answer_by": request.deadline,
            "answers": [
                {
                    "recorded_at": answer.recorded_at,
                    "given": answer.given,
                    "decided_by": answer.guardian.full_name if answer.guardian else "pupil",
                    "channel": answer.channel,
                }
                for answer in by_request.get(request.pk, [])
            ],
        }
        for request in requests.order_by("opened_at", "pk")
    ]


PREVIEW_KEPT = timedelta(days=30)
RULE_PREVIEW = "adhoc.preview"


def expired_previews(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    """Requests whose preview image has served its purpose."""
    cutoff = now - PREVIEW_KEPT
    ended = Q(closed_at__lt=cutoff) | Q(deadline__lt=timezone.localdate(cutoff))
    requests = ConsentRequest.objects.exclude(preview="").filter(ended)
    if school_id is not None:
        requests = requests.filter(school_id=school_id)
    return in_pages(
        requests,
        ("school_id",),
        lambda rows: [Item(pk, school, _("request #%(id)s") % {"id": pk}) for pk, school in rows],
    )


def destroy_previews(items: list[Item]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for request in ConsentRequest.objects.filter(pk__in=[item.pk for item in items]):
        name, storage = request.preview.name or "", request.preview.storage
        request.preview = ""
        request.save(update_fields=["preview"])
        transaction.on_commit(partial(storage.delete, name))
        counts["adhoc.preview"] += 1
    return counts


def _preview_rule_description() -> str:
    return _(
        "Preview images of separate requests: destroyed 30 days after the request closed or "
        "its deadline passed."
    )


def register() -> None:
    register_rule(
        Rule(
            name=RULE_PREVIEW,
            what="adhoc.consentrequest",
            description=_preview_rule_description,
            expired=expired_previews,
            destroy=destroy_previews,
            school_filter=True,
        )
    )
    register_section(
        Section(
            key="separate_requests",
            collect=export,
            family=True,
            models=("adhoc.requestanswer", "adhoc.consentrequest"),
        )
    )
