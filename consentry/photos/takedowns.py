"""Withdrawal reaches what was published: take-downs.

Why: a pupil the gate would now hide must not stay visible in photos that already left the
gate, whatever made their consent lapse. Every cause reaches the same place,
`take_down_for_pupil`, which compares each current publication of the pupil with what the
gate says now:

- one pupil's decision turned to no, a never flag, a separate request answered no, a change
  of a guardian's parental authority: `consent.signals.consent_narrowed`, after the commit;
- a material leaflet change (a new answer round: no answer counts any more):
  `leaflets.signals.leaflet_published`, a sweep of the school (`sweep_school`);
- a 16th birthday (the guardians' answers stop counting), a deadline, anything else: the
  daily sweep of every school (`tasks.sweep_takedowns`), which is also the safety net.

Per current publication whose snapshot shows the pupil visible while the gate would now
hide them, Consentry stops serving it at once, whatever the audience: it re-renders the
photo with the face hidden, stores the replacement and withdraws the old publication (its
row, hash and snapshot stay as proof; its key and file are destroyed), so that downloads,
the group's zip and every family's export show the replacement from that moment. Then:

- internal audiences (categories 1-3, the rendition lives in Consentry): the take-down is
  closed at once;
- external audiences (category 4 and separate requests, a copy may have gone outside): the
  take-down stays open and the publisher is mailed; they (or the leadership) confirm that
  the copy outside was removed, which is all the take-down then records.

Everything is keyed on (publication, pupil), so the task may run twice. A pupil who was
blurred in a publication already produces nothing for it.
"""

from collections.abc import Iterable
from datetime import date
from functools import partial

from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from consentry.adhoc.models import ConsentRequest
from consentry.adhoc.services import coverage, request_allows
from consentry.audit.services import record
from consentry.consent.services import consent_overview, is_never_flagged, load_facts
from consentry.mail.links import absolute_url
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.schools.models import Pupil

from . import crypto, gate, publishing
from .models import Face, Photo, Publication, TakeDown, VisiblePupil

INTERNAL = (1, 2, 3)  # portfolio, class group, school: renditions that live in Consentry
PUPILS_PER_JOB = 200


def on_consent_narrowed(
    sender, *, pupil_id: int | None = None, pupil_ids: Iterable[int] = (), **kwargs
) -> None:
    """Connected in apps.py: take down after the commit (never for a rolled-back change).
    One pupil (`pupil_id`) or many at once (`pupil_ids`, a roster sync), in bounded jobs."""
    from .tasks import take_down_for_pupil, take_down_for_pupils

    if pupil_id is not None:
        transaction.on_commit(lambda: take_down_for_pupil.enqueue(pupil_id))
    ids = _shown(set(pupil_ids))
    for start in range(0, len(ids), PUPILS_PER_JOB):
        transaction.on_commit(
            partial(take_down_for_pupils.enqueue, ids[start : start + PUPILS_PER_JOB])
        )


def _shown(pupil_ids: set[int]) -> list[int]:
    """Of these pupils, those visible in a current publication: only they can need a
    take-down (a roster sync may touch thousands of guardianships, few with photos)."""
    ids = sorted(pupil_ids)
    shown: set[int] = set()
    for start in range(0, len(ids), 1000):
        shown.update(
            VisiblePupil.objects.filter(
                pupil_id__in=ids[start : start + 1000], publication__withdrawn_at=None
            ).values_list("pupil_id", flat=True)
        )
    return sorted(shown)


def on_leaflet_published(sender, *, version, new_round: bool, **kwargs) -> None:
    """Connected in apps.py: a new answer round means no earlier answer counts any more, so
    every pupil of the school may now appear in less: sweep the school after the commit."""
    from .tasks import sweep_school

    if new_round:
        school_id = version.school_id
        transaction.on_commit(lambda: sweep_school.enqueue(school_id))


def uncovered_pupils(school_id: int, on: date | None = None) -> list[int]:
    """Pupils of the school who are visible in a current publication that the gate would
    no longer allow: the candidates of a sweep.

    Reads each (pupil, audience) pair once from `VisiblePupil`, every pupil's consent in four
    queries (`load_facts`), and each separate request's coverage once, so a sweep of a
    school costs a few queries, not a few per publication.
    """
    pairs = set(
        VisiblePupil.objects.filter(
            publication__photo__school_id=school_id, publication__withdrawn_at=None
        ).values_list("pupil_id", "publication__category", "publication__consent_request_id")
    )
    if not pairs:
        return []
    pupils = Pupil.objects.filter(pk__in={pupil_id for pupil_id, _c, _r in pairs})
    overview = consent_overview(pupils, on=on, facts=load_facts(pupils))
    approved = {
        asked.pk: coverage(asked).approved
        for asked in ConsentRequest.objects.filter(
            pk__in={request_id for _p, _c, request_id in pairs if request_id}
        )
    }
    uncovered = set()
    for pupil_id, category, request_id in pairs:
        if request_id:
            ok = pupil_id in approved.get(request_id, ())
        else:
            verdict = overview.get(pupil_id, {}).get(category) if category else None
            ok = verdict is not None and verdict.allowed
        if not ok:
            uncovered.add(pupil_id)
    return sorted(uncovered)


def sweep_school(school_id: int, on: date | None = None) -> int:
    """Take down, for every pupil of the school, what the gate would no longer allow;
    returns how many take-downs were created (0 when nothing lapsed)."""
    return sum(take_down_for_pupil(pupil_id, on=on) for pupil_id in uncovered_pupils(school_id, on))


def publications_no_longer_covered(pupil: Pupil, on: date | None = None) -> list[Publication]:
    """Current publications that showed `pupil` and for which the gate would now hide them.

    Found by index on the pupil (`VisiblePupil`), so the cost follows the pupil's own
    publications, not the school's. The pupil's consent is read once for every category; a
    category that is no longer in the leaflet covers nothing (default deny).
    """
    shown = list(
        Publication.objects.filter(visible_pupils__pupil=pupil, withdrawn_at=None)
        .select_related("consent_request")
        .order_by("-published_at", "-pk")
    )
    if not shown:
        return []
    verdicts = consent_overview([pupil], on=on).get(pupil.pk, {})
    requests: dict[int, bool] = {}
    covered = []
    for publication in shown:
        if publication.consent_request is not None:
            asked = publication.consent_request
            if asked.pk not in requests:
                requests[asked.pk] = request_allows(asked, pupil)
            ok = requests[asked.pk]
        else:
            verdict = verdicts.get(publication.category)  # type: ignore[arg-type]
            ok = verdict is not None and verdict.allowed
        if not ok:
            covered.append(publication)
    return covered


def open_takedowns_for(pupil: Pupil) -> QuerySet[TakeDown]:
    """The pupil's take-downs still waiting for someone to remove a photo outside."""
    return TakeDown.objects.filter(pupil=pupil, status=TakeDown.Status.OPEN)


def take_down_for_pupil(pupil_id: int, *, on: date | None = None) -> int:
    """Create (and for internal ones carry out) the take-downs for one pupil; returns how
    many were created. Idempotent: a (publication, pupil) already handled is skipped.
    `on`: the day whose rules apply (today; a test looks at a later day)."""
    pupil = Pupil.objects.filter(pk=pupil_id).select_related("school").first()
    if pupil is None:
        return 0
    created = 0
    for publication in publications_no_longer_covered(pupil, on):
        if TakeDown.objects.filter(publication=publication, pupil=pupil).exists():
            continue
        if publication.category in INTERNAL:
            _replace(publication, pupil)
        else:
            _ask_publisher(publication, pupil)
        created += 1
    return created


def _reason(publication: Publication, pupil: Pupil) -> str:
    if is_never_flagged(pupil):
        return TakeDown.Reason.NEVER
    if publication.consent_request_id:
        return TakeDown.Reason.REQUEST
    return TakeDown.Reason.CONSENT


def _audience(publication: Publication) -> gate.Audience:
    return publication.consent_request or publication.category  # type: ignore[return-value]


@transaction.atomic
def _replace(publication: Publication, pupil: Pupil) -> TakeDown:
    takedown = TakeDown.objects.create(
        publication=publication,
        pupil=pupil,
        kind=TakeDown.Kind.INTERNAL,
        reason=_reason(publication, pupil),
        status=TakeDown.Status.DONE,
        done_at=timezone.now(),
        replacement=_rerender(publication, pupil),
    )
    _audit("photo.takedown.done", takedown, actor="system")
    return takedown


@transaction.atomic
def _ask_publisher(publication: Publication, pupil: Pupil) -> TakeDown:
    """Open the take-down; mail the publisher unless they were asked already (`_asked`).

    The photo's row is locked first, so that two jobs for two pupils of one photo (two
    workers) take turns and the second sees the first one's take-down."""
    Photo.objects.select_for_update().filter(pk=publication.photo_id).first()
    asked = _asked(publication)
    takedown = TakeDown.objects.create(
        publication=publication,
        pupil=pupil,
        kind=TakeDown.Kind.EXTERNAL,
        reason=_reason(publication, pupil),
        replacement=_rerender(publication, pupil),
    )
    _audit("photo.takedown.opened", takedown, actor="system")
    publisher = publication.published_by
    if publisher is not None and publisher.is_active and not asked:
        _mail(takedown, publisher)
    return takedown


def _same_photo_outside(publication: Publication) -> Q:
    """The take-downs of this photo for this audience, whichever version of it: each one
    replaced the one before, but outside there is one photo to remove."""
    return Q(
        kind=TakeDown.Kind.EXTERNAL,
        publication__photo_id=publication.photo_id,
        publication__category=publication.category,
        publication__consent_request_id=publication.consent_request_id,
    )


def _asked(publication: Publication) -> bool:
    """Whether the publisher was already asked to remove this photo for this audience and has
    not yet confirmed it. Why no second mail then: several pupils' consent lapsing one after
    the other would each send the same request; the first mail's link closes them all
    (`confirm`)."""
    return TakeDown.objects.filter(
        _same_photo_outside(publication), status=TakeDown.Status.OPEN
    ).exists()


def _rerender(publication: Publication, pupil: Pupil) -> Publication | None:
    """Replace `publication` at once with a rendition that hides `pupil`, and withdraw it.

    The replacement is re-rendered with the current decisions, but never shows a face the
    old one hid, nor the pupil this take-down is for: nobody reviews it, so it may only show
    less. A photo whose original is gone (retention) gets no replacement: it is withdrawn.
    """
    photo = publication.photo
    may_show = {e["pupil_id"] for e in publication.snapshot if e["visible"]} - {pupil.pk}
    decisions = [
        d
        if d.face.kind != Face.Kind.PUPIL or d.face.pupil_id in may_show or not d.visible
        else gate.FaceDecision(d.face, False, "no_consent", d.state)
        for d in gate.decide_faces(photo, _audience(publication))
    ]
    try:
        replacement = publishing.store(
            photo,
            _audience(publication),
            publication.mode,  # type: ignore[arg-type]
            decisions,
            actor=publication.published_by,
            action="photo.republished",
            audit_actor="system",
            data={"photo": photo.pk, "replaces": publication.pk, "pupil_id": pupil.pk},
        )
    except (FileNotFoundError, crypto.DecryptionFailed):
        replacement = None  # the original is destroyed (retention): withdraw only
    publishing.withdraw(publication)
    return replacement


def _mail(takedown: TakeDown, publisher) -> OutgoingMail:
    """What to remove (photo, audience, date), never why: the reason may be a never flag."""
    publication = takedown.publication
    photo = publication.photo
    with translation.override(publisher.preferred_language):
        context = {
            "publisher": publisher,
            "file": photo.original_name,  # and its date: never its id, which nobody knows
            "uploaded_at": date_format(timezone.localtime(photo.created_at)),
            "audience": dict(gate.audiences_for(photo.group)).get(
                publication.audience_key, publication.audience_key
            ),
            "published_at": date_format(timezone.localtime(publication.published_at)),
            "url": absolute_url("takedown_confirm", takedown.pk),
        }
        subject = render_to_string("photos/takedown_subject.txt", context).strip()
        body = render_to_string("photos/takedown_mail.txt", context)
    return queue_mail(
        publisher.email,
        subject,
        body,
        kind=OutgoingMail.Kind.OTHER,
        recipient=publisher,
        school=publication.photo.school,
    )


@transaction.atomic
def confirm(takedown: TakeDown, *, actor) -> None:
    """The photo was removed outside: close every open take-down of it for this audience
    (one removal covers every pupil in it, and every version the publisher was asked about
    in one mail: `_asked`). Consentry itself stopped serving it when the take-down opened;
    an older take-down may still find it current, so it is withdrawn here too if need be."""
    publication = Publication.objects.select_for_update().get(pk=takedown.publication_id)
    if publication.withdrawn_at is None:
        publishing.withdraw(publication)
    still_open = TakeDown.objects.filter(
        _same_photo_outside(publication), status=TakeDown.Status.OPEN
    ).select_related("publication")
    for each in still_open:
        if each.publication.withdrawn_at is None:
            publishing.withdraw(each.publication)
        each.status, each.done_at, each.done_by = TakeDown.Status.DONE, timezone.now(), actor
        each.save(update_fields=["status", "done_at", "done_by"])
        _audit("photo.takedown.confirmed", each, actor=actor)


def _audit(action: str, takedown: TakeDown, *, actor) -> None:
    publication = takedown.publication
    record(
        action,
        actor=actor,
        obj=takedown,
        school_id=publication.photo.school_id,
        data={
            "publication": publication.pk,
            "pupil_id": takedown.pupil_id,
            "kind": takedown.kind,
            "replacement": takedown.replacement_id,
        },
    )
