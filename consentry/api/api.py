"""The REST API (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs).

Two kinds of caller: a school's other systems with a token (scoped to that school), and a
signed-in person (scoped by the same rules as the pages, see schools.access).
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import Field

from consentry.consent import services as consent
from consentry.consent.models import ConsentEvent
from consentry.ids import fits, get_or_404
from consentry.schools import access
from consentry.schools.models import Group, Pupil

from .models import TOKEN_PREFIX, ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = ApiToken.objects.select_related("school").authenticate(token)
        if found is not None:
            request.api_token = found  # type: ignore[attr-defined]
        return found


def sends_a_token(request: HttpRequest) -> bool:
    """A program with an API token (`Bearer cst_...`, or the token alone), not a browser.

    Other schemes are left to the session: a proxy in front of the site may make browsers
    send HTTP Basic credentials with every request."""
    header = request.headers.get("Authorization", "").strip()
    return header.lower().startswith("bearer") or header.startswith(TOKEN_PREFIX)


class SessionAuth(NinjaSessionAuth):
    """The signed-in person's session (with Django's CSRF check), for browsers only.

    A program that sent a token gets a 401 that says what is wrong, never a "CSRF check
    failed", which would send its developers looking for a cookie they must not need.
    (Named as ninja's: the OpenAPI schema names its security scheme after the class.)
    """

    def __init__(self, *, token_refused: str) -> None:
        super().__init__()
        self.token_refused = token_refused

    def __call__(self, request: HttpRequest):
        if sends_a_token(request):
            raise HttpError(401, self.token_refused)
        return super().__call__(request)


api = NinjaAPI(
    title="Consentry API",
    version="1",
    description="Consent of a school's pupils, per category of the privacy leaflet.",
    auth=[
        TokenAuth(),
        SessionAuth(
            token_refused="The API token is not valid or has been revoked. Send it as "
            "'Authorization: Bearer <token>'."
        ),
    ],
    urls_namespace="api",
    docs_decorator=require_safe,  # the schema and its docs answer GET and HEAD only
)


def _visible_pupils(request: HttpRequest) -> QuerySet[Pupil]:
    token = getattr(request, "api_token", None)
    if token is not None:
        return Pupil.objects.filter(school=token.school)
    return access.pupils_visible_to(request.user)  # type: ignore[arg-type]


def _checkable_pupils(request: HttpRequest) -> QuerySet[Pupil]:
    """The check is for staff and the school's systems (it reveals the never flag)."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return Pupil.objects.filter(school=token.school)
    return access.pupils_seen_as_staff(request.user)  # type: ignore[arg-type]


def _visible_groups(request: HttpRequest) -> QuerySet[Group]:
    token = getattr(request, "api_token", None)
    if token is not None:
        return Group.objects.filter(school=token.school)
    return access.groups_visible_to(request.user)  # type: ignore[arg-type]


class VerdictOut(Schema):
    state: str
    allowed: bool
    reason: str
    reason_text: str


class GroupOut(Schema):
    id: int
    name: str
    school_year: str
    school_id: int


class PupilOut(Schema):
    id: int
    pupil_number: str
    given_name: str
    family_name_prefix: str
    family_name: str
    group_id: int | None
    consent: dict[int, VerdictOut] = Field(description="Per category number.")


class CheckIn(Schema):
    category: int = Field(description="The leaflet's category number, e.g. 4 for public.")
    pupil_ids: list[int] = Field(min_length=1, max_length=5000)


class CheckResultOut(Schema):
    pupil_id: int
    allowed: bool
    state: str
    reason: str
    reason_text: str


class DecisionsIn(Schema):
    decisions: dict[int, bool] = Field(description="Category number to yes (true) or no (false).")


class Error(Schema):
    detail: str


def _verdict_out(verdict: consent.Verdict) -> VerdictOut:
    return VerdictOut(
        state=verdict.state.value,
        allowed=verdict.allowed,
        reason=verdict.reason,
        reason_text=verdict.reason_text,
    )


def _hidden_never_flags(request: HttpRequest, pupils: QuerySet[Pupil]) -> set[int]:
    if getattr(request, "api_token", None) is not None:
        return set()  # the school's own systems decide about images: they need the flag
    return access.never_flag_hidden_for(request.user, pupils)  # type: ignore[arg-type]


def _pupils_out(request: HttpRequest, pupils: QuerySet[Pupil]) -> list[PupilOut]:
    pupils = pupils.order_by("family_name", "given_name", "id")
    overview = consent.consent_overview(
        pupils, hide_never_flag_for=_hidden_never_flags(request, pupils)
    )
    return [
        PupilOut(
            id=p.pk,
            pupil_number=p.pupil_number,
            given_name=p.given_name,
            family_name_prefix=p.family_name_prefix,
            family_name=p.family_name,
            group_id=p.group_id,
            consent={n: _verdict_out(v) for n, v in overview.get(p.pk, {}).items()},
        )
        for p in pupils
    ]


@api.get("/groups", response=list[GroupOut], summary="Class groups you may see")
def list_groups(request):
    return list(_visible_groups(request).order_by("-school_year", "name"))


@api.get(
    "/groups/{group_id}/pupils",
    response={200: list[PupilOut], 404: Error},
    summary="The group's current pupils with their consent",
)
def group_pupils(request, group_id: int):
    group = get_or_404(_visible_groups(request), group_id)
    pupils = Pupil.objects.current().members_of(group).filter(pk__in=_visible_pupils(request))
    return _pupils_out(request, pupils)


@api.get("/pupils/{pupil_id}", response={200: PupilOut, 404: Error}, summary="One pupil's consent")
def pupil_detail(request, pupil_id: int):
    visible = _visible_pupils(request)
    get_or_404(visible, pupil_id)
    return _pupils_out(request, visible.filter(pk=pupil_id))[0]


@api.post(
    "/check",
    response={200: list[CheckResultOut], 400: Error, 404: Error},
    summary="May these pupils appear in category C?",
)
def check(request, payload: CheckIn):
    ids = set(payload.pupil_ids)
    pupils = _checkable_pupils(request).filter(pk__in=[pk for pk in ids if fits(pk)])
    found = dict(pupils.values_list("pk", "school_id"))
    missing = sorted(ids - found.keys())
    if missing:
        raise HttpError(404, f"Unknown pupil(s): {', '.join(map(str, missing[:20]))}.")
    if len(set(found.values())) != 1:
        raise HttpError(400, "All pupils of one check must be of the same school.")
    school = pupils.first().school  # type: ignore[union-attr]
    try:
        verdicts = consent.check(Pupil.objects.filter(pk__in=ids), school, payload.category)
    except consent.ConsentError as error:
        raise HttpError(400, str(error)) from None
    return [
        CheckResultOut(
            pupil_id=v.pupil_id,
            allowed=v.allowed,
            state=v.state.value,
            reason=v.reason,
            reason_text=v.reason_text,
        )
        for v in sorted(verdicts, key=lambda v: v.pupil_id)
    ]


@api.post(
    "/pupils/{pupil_id}/decisions",
    response={200: PupilOut, 400: Error, 403: Error, 404: Error},
    auth=SessionAuth(
        token_refused="Only a signed-in guardian (or a pupil of 16 or older) can decide; "
        "API tokens cannot."
    ),
    summary="A guardian (or the pupil from 16) gives or refuses consent",
)
def decide(request, pupil_id: int, payload: DecisionsIn):
    pupil = get_or_404(access.pupils_visible_to(request.user), pupil_id)
    try:
        consent.decide(request.user, pupil, payload.decisions, channel=ConsentEvent.Channel.API)
    except consent.NotAllowed as error:
        raise HttpError(403, str(error)) from None
    except consent.ConsentError as error:
        raise HttpError(400, str(error)) from None
    return _pupils_out(request, Pupil.objects.filter(pk=pupil.pk))[0]
