"""The public report form (anyone, no sign-in) and the register (the school's leadership
and the board's privacy officer)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.schools import access
from consentry.schools.models import School
from consentry.web.clients import client_ip

from . import services
from .forms import AuthorityForm, RegisterForm, ReportForm
from .models import Breach

RECEIPT_KEY = "breach_receipt"


def _get_breach_for_user(user, breach_id: int) -> Breach:
    """The breach, if the user keeps the register of its school; otherwise a 404."""
    try:
        return Breach.objects.select_related("school", "reported_by", "closed_by").get(
            pk=breach_id, school__in=access.schools_overseen_by(user)
        )
    except Breach.DoesNotExist:
        raise Http404("No such breach.") from None


# The public side


@require_http_methods(["GET", "POST"])
def report(request, school_id: int):
    school = get_object_or_404(School, pk=school_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not services.sender_may_report(client_ip(request)):
            form.add_error(
                None,
                _(
                    "You sent several reports in the last hour. Please try again later, or "
                    "write to the school directly."
                ),
            )
            return render(request, "breaches/report.html", {"school": school, "form": form})
        try:
            breach = services.report(form.instance, school=school, actor=request.user)
        except services.BreachError as error:
            form.add_error(None, str(error))
        else:
            request.session[RECEIPT_KEY] = breach.pk
            return redirect("breach_received", school_id=school.pk)
    return render(request, "breaches/report.html", {"school": school, "form": form})


@require_GET
def received(request, school_id: int):
    """The receipt, for the one who just reported (the session says which report)."""
    breach = Breach.objects.filter(pk=request.session.get(RECEIPT_KEY), school_id=school_id).first()
    if breach is None:
        return redirect("breach_report", school_id=school_id)
    return render(request, "breaches/received.html", {"breach": breach, "school": breach.school})


# The register


@login_required
@require_GET
def register(request, school_id: int):
    school = access.get_school_overseen_by(request.user, school_id)
    now = timezone.now()
    rows = [(breach, breach.clock(now)) for breach in school.breaches.all()]
    return render(request, "breaches/register.html", {"school": school, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, breach_id: int):
    breach = _get_breach_for_user(request.user, breach_id)
    # The form edits its own copy: an invalid post must not change what the page shows.
    copy = _get_breach_for_user(request.user, breach_id)
    form = RegisterForm(request.POST or None, instance=copy)
    if request.method == "POST":
        if breach.closed_at is not None:
            messages.error(request, _("This breach is closed; it can no longer be changed."))
            return redirect("breach_detail", breach_id=breach.pk)
        if form.is_valid():
            services.update_register(form.save(commit=False), form.changed_data, actor=request.user)
            messages.success(request, _("The register was saved."))
            return redirect("breach_detail", breach_id=breach.pk)
    return _render_detail(request, breach, form=form)


@login_required
@require_POST
def authority(request, breach_id: int):
    breach = _get_breach_for_user(request.user, breach_id)
    form = AuthorityForm(request.POST, breach=breach)
    if form.is_valid():
        notified = form.cleaned_data["decision"] == AuthorityForm.NOTIFIED
        try:
            services.record_authority_decision(
                breach,
                actor=request.user,
                notified_at=form.cleaned_data["notified_at"] if notified else None,
                ap_reference=form.cleaned_data["ap_reference"],
                not_needed_reason="" if notified else form.cleaned_data["reason"],
            )
        except services.BreachError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The AP decision was recorded."))
        return redirect("breach_detail", breach_id=breach.pk)
    return _render_detail(request, breach, authority_form=form)


@login_required
@require_POST
def close(request, breach_id: int):
    breach = _get_breach_for_user(request.user, breach_id)
    try:
        services.close(breach, actor=request.user)
    except services.BreachError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The breach was closed."))
    return redirect("breach_detail", breach_id=breach.pk)


def _render_detail(request, breach: Breach, *, form=None, authority_form=None):
    context = {
        "breach": breach,
        "school": breach.school,
        "clock": breach.clock(timezone.now()),
        "form": form or RegisterForm(instance=breach),
        "authority_form": authority_form or AuthorityForm(breach=breach),
        "reminders": breach.reminders.all(),
        "closing_problems": breach.problems_before_closing(),
    }
    return render(request, "breaches/detail.html", context)
