"""The leadership's reminders page, and the demo's outbox."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from consentry.audit.services import record as audit
from consentry.schools import access

from . import tasks
from .models import OutgoingMail
from .outbox import read_outbox
from .reminders import reminder_plan

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@login_required
@require_http_methods(["GET", "POST"])
def send_reminders(request, school_id: int):
    school = access.get_school_led_by(request.user, school_id)
    plan = reminder_plan(school)
    if request.method == "POST":
        queued = _queue_reminders(request, school, skipped=len(plan.skipped))
        if not queued:
            messages.info(request, _("Nobody needs a reminder now: nothing was sent."))
        else:
            messages.success(
                request,
                ngettext(
                    "A reminder is on its way to %(count)s guardian.",
                    "Reminders are on their way to %(count)s guardians.",
                    queued,
                )
                % {"count": queued},
            )
        return redirect("send_reminders", school_id=school.pk)
    log = (
        OutgoingMail.objects.filter(kind=OutgoingMail.Kind.REMINDER, school=school)
        .select_related("recipient", "pupil")
        .order_by("-created_at", "-id")[:100]
    )
    context = {
        "school": school,
        "due": len(plan.due),
        "skipped": len(plan.skipped),
        "log": log,
    }
    return render(request, "mail/reminders.html", context)


def _queue_reminders(request, school, *, skipped: int) -> int:
    """Queue the reminders now, in this request, and audit it; how many were queued.

    Why not in a background job: the page the leadership comes back to must show what was
    just sent (the log, and nobody left to remind), not the plan from before sending. Each
    mail is still sent by the worker, after the commit.
    """
    with transaction.atomic():
        queued = tasks.send_reminders.call(school.pk, request.user.pk)
        if queued:
            audit(
                "reminders.requested",
                actor=request.user,
                obj=school,
                school_id=school.pk,
                data={"guardians": queued, "skipped": skipped},
            )
    return queued


def outbox_folder() -> Path | None:
    """Where the default mailer writes mail, when it writes files (the demo)."""
    mailer: dict = settings.MAILERS.get("default", {})
    if mailer.get("BACKEND") != FILE_BACKEND:
        return None
    return Path(mailer["OPTIONS"]["file_path"])


@require_GET
def demo_outbox(request):
    """Only in demo mode: the mail the demo 'sent', so that sign-in by code works."""
    if not settings.DEMO_MODE:
        raise Http404("Only in the demo.")
    folder = outbox_folder()
    mails = read_outbox(folder) if folder else []
    return render(request, "mail/demo_outbox.html", {"mails": mails, "folder": folder})
