"""The acknowledgement page (interns and visitors with an account) and the office pages: the
rules' versions, who acknowledged what, and visitors who signed on paper (the school's
leadership and the board's privacy officer)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.schools import access

from . import services
from .forms import AcknowledgeForm, PaperForm, RulesForm
from .models import PrivacyRules


def _rules_overseen_by(user, rules_id: int, **filters) -> PrivacyRules:
    """A version of the rules of a school the user oversees; otherwise a 404."""
    return get_object_or_404(
        PrivacyRules.objects.select_related("school"),
        pk=rules_id,
        school__in=access.schools_overseen_by(user),
        **filters,
    )


# The intern or visitor


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge(request):
    """Read the current rules of the first school still waiting, and acknowledge them."""
    user, today = request.user, timezone.localdate()
    if not services.gated_roles(user).exists():
        raise Http404("Only interns and visitors acknowledge the rules here.")
    pending = services.schools_to_acknowledge(user, today)
    if not pending:
        if request.method == "POST":
            return redirect("conduct_acknowledge")
        done = user.acknowledgements.filter(period_from__lte=today, period_to__gte=today)
        return render(request, "conduct/acknowledged.html", {"acknowledgements": done})
    school = pending[0]
    rules = PrivacyRules.objects.current_for(school)
    if rules is None:  # nothing to acknowledge yet: nobody takes part
        return render(request, "conduct/acknowledge.html", {"school": school})
    form = AcknowledgeForm(request.POST or None, rules=rules, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge(
                user,
                rules,
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
                on=today,
            )
        except services.ConductError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you: you acknowledged the privacy rules."))
            return redirect("conduct_acknowledge")
    context = {"school": school, "rules": rules, "form": form}
    return render(request, "conduct/acknowledge.html", context)


# The office


@login_required
@require_GET
def rules(request, school_id: int):
    school = access.get_school_overseen_by(request.user, school_id)
    context = {
        "school": school,
        "versions": school.privacy_rules.all(),
        "current": PrivacyRules.objects.current_for(school),
    }
    return render(request, "conduct/rules.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_rules(request, school_id: int):
    """Write a new version, starting from the text of the one in force."""
    school = access.get_school_overseen_by(request.user, school_id)
    current = PrivacyRules.objects.current_for(school)
    initial = {"text_nl": current.text_nl, "text_en": current.text_en} if current else {}
    form = RulesForm(request.POST or None, initial=initial, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_draft(school, actor=request.user, **form.cleaned_data)
        except services.ConductError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The draft was saved. Publish it when it is ready."))
            return redirect("conduct_rules", school_id=school.pk)
    return render(request, "conduct/rules_form.html", {"school": school, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def edit_rules(request, rules_id: int):
    """Only a draft can be edited: a published text is what people acknowledged."""
    draft = _rules_overseen_by(request.user, rules_id, published_at__isnull=True)
    form = RulesForm(request.POST or None, instance=draft, school=draft.school)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The draft was saved. Publish it when it is ready."))
        return redirect("conduct_rules", school_id=draft.school_id)
    context = {"school": draft.school, "form": form, "draft": draft}
    return render(request, "conduct/rules_form.html", context)


@login_required
@require_POST
def publish_rules(request, rules_id: int):
    version = _rules_overseen_by(request.user, rules_id)
    try:
        services.publish(version, actor=request.user)
    except services.ConductError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(label)s is now in force: every intern and visitor acknowledges it anew.")
            % {"label": version.label},
        )
    return redirect("conduct_rules", school_id=version.school_id)


@login_required
@require_GET
def acknowledgements(request, school_id: int):
    """Who acknowledged which version, for which period; and the accounts still waiting."""
    school = access.get_school_overseen_by(request.user, school_id)
    today = timezone.localdate()
    context = {
        "school": school,
        "current": PrivacyRules.objects.current_for(school),
        "acknowledgements": school.acknowledgements.select_related("rules", "recorded_by"),
        "waiting": services.waiting_accounts(school, today),
        "today": today,
    }
    return render(request, "conduct/acknowledgements.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_paper(request, school_id: int):
    school = access.get_school_overseen_by(request.user, school_id)
    form = PaperForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_on_paper(
                request.user,
                data["rules"],
                name=data["name"],
                role=data["role"],
                period_from=data["period_from"],
                period_to=data["period_to"],
            )
        except services.ConductError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The signed rules of %(name)s were recorded.") % data)
            return redirect("conduct_acknowledgements", school_id=school.pk)
    return render(request, "conduct/paper_form.html", {"school": school, "form": form})
