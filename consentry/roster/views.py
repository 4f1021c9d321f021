"""The leadership's roster pages: upload a file, read the dry-run report, confirm or discard;
and see which guardians have not signed in yet.

Between the dry run and the confirmation the upload is kept as a RosterImport row holding the
parsed, minimised roster (JSON) and hashes of both the file and that roster, not the file's
bytes: an EDEXML export may carry BSNs and origin data, which Consentry never stores, not
even for a few minutes. Confirming re-plans that same roster against the database as it is
then, in one transaction; the hash in the form must match the stored one, so a second tab
or an old page cannot confirm a different upload.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consentry.ids import is_row_id
from consentry.schools.access import get_school_led_by
from consentry.schools.models import Guardianship, Pupil

from . import services
from .authority import set_authority, unconfirmed
from .forms import ConfirmForm, UploadForm
from .guardians_csv import TEMPLATE
from .models import GuardianInvitation, RosterImport
from .pupil_accounts import AccountError, deciding_pupils, give_account
from .sync import ENTITIES, Options

PENDING_FOR = timedelta(hours=24)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, school_id: int):
    school = get_school_led_by(request.user, school_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    _forget_stale_uploads()
    if request.method == "POST" and form.is_valid():
        pending = _dry_run(request, school, form.cleaned_data)
        return redirect("roster_preview", school_id=school.pk, import_id=pending.pk)
    recent = RosterImport.objects.filter(school=school).select_related("created_by")[:10]
    return render(request, "roster/upload.html", {"school": school, "form": form, "recent": recent})


def _forget_stale_uploads() -> None:
    """Uploads nobody confirmed within a day are discarded, and their roster is dropped."""
    RosterImport.objects.filter(
        status=RosterImport.Status.PENDING, created_at__lt=timezone.now() - PENDING_FOR
    ).update(status=RosterImport.Status.DISCARDED, payload=None)


def _dry_run(request, school, data) -> RosterImport:
    """Parse, keep the minimised roster, and store the dry-run report for the preview."""
    upload = services.Upload(data["kind"], data["file"].name[:255], data=data["file"].read())
    options = Options(
        today=timezone.localdate(), partial=data["partial"], confirm_leavers=data["confirm_leavers"]
    )
    roster = services.parse(upload, today=options.today)
    targets = services.resolve_targets(roster, school, options)
    roster.schools = [school_in for school_in, _school in targets]  # never other schools' data
    payload, digest = services.payload_of(roster)
    outcome = services.run(roster, school=school, options=options, dry_run=True)
    return RosterImport.objects.create(
        school=school,
        kind=upload.kind,
        status=RosterImport.Status.PENDING,
        filename=upload.name,
        sha256=upload.sha256,
        size=upload.size,
        options={"partial": options.partial, "confirm_leavers": options.confirm_leavers},
        payload=payload if not outcome.summary["errors"] else None,
        payload_sha256=digest,
        summary={**outcome.summary, "details": services.details(outcome.plan)},
        created_by=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview(request, school_id: int, import_id: int):
    school = get_school_led_by(request.user, school_id)
    pending = get_object_or_404(RosterImport, pk=import_id, school=school)
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            _discard(pending, request.user)
            messages.success(request, _("The upload was discarded; nothing was imported."))
            return redirect("roster_upload", school_id=school.pk)
        return _confirm(request, school, pending)
    confirmable = _confirmable(pending, request.user)
    context = {
        "school": school,
        "upload": pending,
        "summary": pending.summary,
        "rows": [(e, pending.summary.get(e, {})) for e in ENTITIES],
        "details": pending.summary.get("details", {}),
        "confirmable": confirmable,
        "discardable": pending.status == RosterImport.Status.PENDING
        and pending.created_by_id == request.user.pk,
        "form": ConfirmForm(initial={"payload_sha256": pending.payload_sha256}),
    }
    return render(request, "roster/preview.html", context)


def _confirmable(pending: RosterImport, user) -> bool:
    return (
        pending.status == RosterImport.Status.PENDING
        and pending.payload is not None
        and pending.created_by_id == user.pk
        and pending.created_at > timezone.now() - PENDING_FOR
    )


def _discard(pending: RosterImport, user) -> None:
    if pending.status != RosterImport.Status.PENDING or pending.created_by_id != user.pk:
        raise PermissionDenied
    pending.status = RosterImport.Status.DISCARDED
    pending.payload = None
    pending.save(update_fields=["status", "payload"])


def _confirm(request, school, pending: RosterImport):
    form = ConfirmForm(request.POST)
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=pending.pk)
        if not _confirmable(locked, request.user):
            raise PermissionDenied
        if not form.is_valid() or form.cleaned_data["payload_sha256"] != locked.payload_sha256:
            raise PermissionDenied
        try:
            roster = services.roster_of(locked)
        except ValueError:
            raise Http404("The upload is no longer available.") from None
        outcome = services.run(
            roster,
            school=school,
            options=services.options_of(locked),
            dry_run=False,
            actor=request.user,
            via="web",
            pending=locked,
        )
    if outcome.applied:
        messages.success(request, _("The roster was imported."))
        return redirect("roster_upload", school_id=school.pk)
    pending.summary = {**outcome.summary, "details": services.details(outcome.plan)}
    pending.save(update_fields=["summary"])
    messages.error(request, _("The import was refused; nothing was changed. See the problems."))
    return redirect("roster_preview", school_id=school.pk, import_id=pending.pk)


@login_required
@require_GET
def guardians(request, school_id: int):
    """Guardians of current pupils who have never signed in, with their invitation."""
    school = get_school_led_by(request.user, school_id)
    links = (
        Guardianship.objects.filter(pupil__school=school, pupil__left_on__isnull=True)
        .select_related("guardian", "pupil", "pupil__group")
        .order_by("guardian__full_name", "pupil__given_name")
    )
    sent = dict(
        GuardianInvitation.objects.filter(school=school).values_list("guardian_id", "sent_at")
    )
    waiting: dict[int, dict] = {}
    signed_in = set()
    for link in links:
        guardian = link.guardian
        if guardian.last_login is not None:
            signed_in.add(guardian.pk)
            continue
        row = waiting.setdefault(
            guardian.pk,
            {
                "guardian": guardian,
                "pupils": [],
                "invited": guardian.pk in sent,
                "sent_at": sent.get(guardian.pk),
            },
        )
        row["pupils"].append(link.pupil)
    context = {
        "school": school,
        "waiting": list(waiting.values()),
        "signed_in": len(signed_in),
        "unconfirmed": unconfirmed(school).count(),
    }
    return render(request, "roster/guardians.html", context)


def _posted_id(request, name: str) -> int:
    """A row id from the form; anything that is not one (or too large for the database)
    is a 404, never a 500."""
    posted = request.POST.get(name, "")
    if not is_row_id(posted):
        raise Http404
    return int(posted)


@login_required
@require_http_methods(["GET", "POST"])
def authority(request, school_id: int):
    """Guardians whose parental authority no file stated: the leadership says yes or no."""
    school = get_school_led_by(request.user, school_id)
    if request.method == "POST":
        link = get_object_or_404(
            Guardianship, pk=_posted_id(request, "guardianship"), pupil__school=school
        )
        choice = request.POST.get("authority")
        if choice not in ("yes", "no"):
            messages.error(request, _("Choose yes or no."))
        else:
            set_authority(request.user, link, choice == "yes")
            messages.success(
                request,
                _("Saved: %(guardian)s for %(pupil)s.")
                % {"guardian": link.guardian.full_name, "pupil": link.pupil.full_name},
            )
        return redirect("roster_authority", school_id=school.pk)
    context = {"school": school, "links": unconfirmed(school)}
    return render(request, "roster/authority.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def own_consent(request, school_id: int):
    """Pupils of 16 and older, and an account for those who have none yet."""
    school = get_school_led_by(request.user, school_id)
    if request.method == "POST":
        pupil = get_object_or_404(Pupil, pk=_posted_id(request, "pupil"), school=school)
        try:
            give_account(request.user, pupil, request.POST.get("email", ""))
        except AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(pupil)s has an account now and has been told by e-mail.")
                % {"pupil": pupil.full_name},
            )
        return redirect("roster_own_consent", school_id=school.pk)
    context = {"school": school, "pupils": deciding_pupils(school)}
    return render(request, "roster/own_consent.html", context)


@login_required
@require_GET
def guardians_template(request):
    response = HttpResponse(TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="guardians.csv"'
    return response
