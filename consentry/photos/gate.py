"""The consent gate: which faces of a photo may be seen by an audience, and the rendition.

Why it decides this way: the leaflet promises that a child appears in the class group, the
school or in public only with consent for exactly that. So a face stays visible only when
we know who it is and that person said yes for this audience: a tagged pupil whose consent
engine verdict (`consent.services.check`) for the category is yes, or who an approved
separate request allows (`adhoc.services.request_allows`), or an adult the teacher marked
as consenting. Everything else (untagged, unknown, unanswered, refused, guardians in
conflict, the never-photograph flag, adults not marked) is hidden, because a wrong
"visible" cannot be taken back once a photo has left the school.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consentry.adhoc.models import ConsentRequest
from consentry.adhoc.services import request_allows
from consentry.consent.services import check
from consentry.imaging import Face as Box
from consentry.imaging import Mode, decode_image
from consentry.imaging import render as render_pixels
from consentry.schools.models import Group, Pupil

from . import services
from .models import Face, Photo

CATEGORIES = (1, 2, 3, 4)  # portfolio, class group, school, public
Audience = int | ConsentRequest

# Why a face is visible or hidden, for the review page. The consent states of pupils are
# deliberately shown as one reason: the page must not reveal a never-photograph flag.
REASONS = {
    "consent": _("visible: consent for this audience"),
    "adult_consents": _("visible: an adult who consents"),
    "untagged": _("blurred: not tagged yet"),
    "unknown": _("blurred: not a pupil or unknown"),
    "adult": _("blurred: an adult not marked as consenting"),
    "no_consent": _("blurred: no consent for this audience"),
}


@dataclass(frozen=True)
class FaceDecision:
    face: Face
    visible: bool
    reason: str  # a key of REASONS
    state: str = ""  # a tagged pupil's consent state (consent.services.State), for the record

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason])


def decide_faces(photo: Photo, audience: Audience) -> list[FaceDecision]:
    """Per face of `photo`: visible for `audience` (a category or a separate request) or not."""
    faces = list(photo.faces.select_related("pupil"))
    states = _pupil_states(photo, faces, audience)
    return [_decide(face, states) for face in faces]


def _pupil_states(photo: Photo, faces: list[Face], audience: Audience) -> dict[int, str]:
    """Consent state per tagged pupil: the engine's for a category, yes/no for a request."""
    ids = [f.pupil_id for f in faces if f.kind == Face.Kind.PUPIL and f.pupil_id]
    pupils = Pupil.objects.filter(pk__in=ids)
    if isinstance(audience, ConsentRequest):
        if audience.school_id != photo.school_id:
            raise ValueError("the request is of another school")
        return {p.pk: "yes" if request_allows(audience, p) else "no" for p in pupils}
    if audience not in CATEGORIES:
        raise ValueError(f"audience must be one of {CATEGORIES} or a request")
    if not ids:
        return {}
    return {v.pupil_id: str(v.state) for v in check(pupils, photo.school, audience)}


def _decide(face: Face, states: dict[int, str]) -> FaceDecision:
    if face.kind == Face.Kind.PUPIL and face.pupil_id in states:
        state = states[face.pupil_id]
        visible = state == "yes"
        return FaceDecision(face, visible, "consent" if visible else "no_consent", state)
    if face.kind == Face.Kind.ADULT:
        return FaceDecision(face, face.consents, "adult_consents" if face.consents else "adult")
    if face.kind == Face.Kind.UNKNOWN:
        return FaceDecision(face, False, "unknown")
    return FaceDecision(face, False, "untagged")


def render(photo: Photo, audience: Audience, mode: Mode = "blur") -> bytes:
    """The rendition for `audience`: a metadata-free JPEG, upright, at most
    CONSENTRY_RENDITION_MAX_PX on its long side, with every face not visible hidden."""
    return render_decided(photo, decide_faces(photo, audience), mode)


def render_decided(photo: Photo, decisions: list[FaceDecision], mode: Mode = "blur") -> bytes:
    """`render` for decisions already made (publishing records the same ones it drew)."""
    max_side = settings.CONSENTRY_RENDITION_MAX_PX
    image = decode_image(services.read_original(photo), min_long_side=max_side)
    hidden = [Box(d.face.x, d.face.y, d.face.w, d.face.h, 1.0) for d in decisions if not d.visible]
    jpeg, _size = render_pixels(image, hidden, mode=mode, max_side=max_side)
    return jpeg


CATEGORY_LABELS = {
    1: _("1 · portfolio (educational reporting)"),
    2: _("2 · the class group"),
    3: _("3 · the school"),
    4: _("4 · public"),
}


def audiences_for(group: Group) -> list[tuple[str, str]]:
    """The audiences a teacher may choose for the group's photos, as (key, label): the four
    photo categories and the sent separate requests about pupils of the group."""
    choices = [(str(n), str(CATEGORY_LABELS[n])) for n in CATEGORIES]
    for request in _requests_for(group):
        label = _("Separate request: %(purpose)s") % {"purpose": request.purpose}
        choices.append((f"r{request.pk}", str(label)))
    return choices


def _requests_for(group: Group):
    members = Pupil.objects.members_of(group)
    return (
        ConsentRequest.objects.filter(school_id=group.school_id, pupils__in=members)
        .exclude(status=ConsentRequest.Status.DRAFT)
        .distinct()
        .order_by("-pk")
    )


def audience_from_key(group: Group, key: str) -> Audience | None:
    """The audience of a form or URL value ("2", "r7"), or None when it is not one the
    group's photos may have (another school's request, a category not for photos)."""
    if key.isdigit() and int(key) in CATEGORIES:
        return int(key)
    if key.startswith("r") and key[1:].isdigit():
        return _requests_for(group).filter(pk=int(key[1:])).first()
    return None


def audience_key(audience: Audience) -> str:
    return f"r{audience.pk}" if isinstance(audience, ConsentRequest) else str(audience)
