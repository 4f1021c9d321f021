"""Separate requests in a pupil's export (`consentry.retention.registry`), registered from
`AdhocConfig.ready()`: the families' answers are theirs to see (GDPR art. 15), like their
answers to the leaflet."""

from typing import Any

from consentry.retention.registry import Section, register_section
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


def register() -> None:
    register_section(
        Section(
            key="separate_requests",
            collect=export,
            family=True,
            models=("adhoc.requestanswer", "adhoc.consentrequest"),
        )
    )
