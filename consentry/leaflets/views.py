"""The leaflet: read by anyone; versions drafted, edited and published by the leadership."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.forms import modelformset_factory
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.consent import summaries
from consentry.schools import access
from consentry.schools.models import Pupil

from . import document, services
from .models import Category, LeafletVersion


def _posted(request):
    """The submitted data, or None on GET: an empty POST is still a submission to check."""
    return request.POST if request.method == "POST" else None


def _readable_version(user, school_id: int, version_id: int | None) -> LeafletVersion:
    """The active version, or the version asked for.

    A published version (active or archived) is public: the school published it to all
    parents, and an archived one stays readable as the proof of what guardians answered to.
    A draft is not public; those who oversee the school may read it before it is published.
    """
    versions = LeafletVersion.objects.filter(school_id=school_id).select_related("school")
    if version_id is None:
        return get_object_or_404(versions.active())
    version = get_object_or_404(versions, pk=version_id)
    if version.status == LeafletVersion.Status.DRAFT and not (
        access.schools_overseen_by(user).filter(pk=school_id).exists()
    ):
        raise Http404("A draft is not public.")
    return version


@require_GET
def leaflet(request, school_id: int, version_id: int | None = None):
    """The leaflet as a web page, in the visitor's language."""
    version = _readable_version(request.user, school_id, version_id)
    published = version.school.leaflet_versions.exclude(status=LeafletVersion.Status.DRAFT)
    context = document.context(version) | {
        "other_versions": published.exclude(pk=version.pk).order_by("-published_at"),
    }
    return render(request, "leaflets/leaflet.html", context)


@require_GET
def leaflet_pdf(request, school_id: int, version_id: int | None = None):
    """The same leaflet as an A4 PDF; `?lang=en` or `?lang=nl` picks its language."""
    version = _readable_version(request.user, school_id, version_id)
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        html = render_to_string("leaflets/leaflet_print.html", document.context(version))
        name = slugify(f"{_('privacy leaflet')} {version.school.name} {version.label}")
    response = HttpResponse(document.render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}-{language}.pdf"'  # slug: ASCII
    return response


class NewDraftForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Label of the new version"),
        max_length=100,
        help_text=gettext_lazy("For example: versie 2027."),
    )


@login_required
@require_GET
def versions(request, school_id: int):
    school = access.get_school_led_by(request.user, school_id)
    pupils = Pupil.objects.filter(school=school).current()
    all_versions = list(school.leaflet_versions.all())
    active = next((v for v in all_versions if v.status == LeafletVersion.Status.ACTIVE), None)
    rows = []
    for version in all_versions:
        row: dict[str, object] = {"version": version, "changes": [], "text_changes": []}
        if active is not None and version.status == LeafletVersion.Status.DRAFT:
            # What publishing the draft would change, shown next to its publish form, so the
            # leadership chooses between a material change and a minor edit knowingly.
            row["changes"] = services.category_changes(
                active.categories.all(), version.categories.all()
            )
            row["text_changes"] = _text_changes(active, version)
        rows.append(row)
    context = {
        "school": school,
        "active": active,
        "versions": rows,
        "draft_form": NewDraftForm(),
        "answer_again": summaries.must_answer_again(pupils),
        "answered_now": services.pupils_answered_in_round(school),
    }
    return render(request, "leaflets/versions.html", context)


@login_required
@require_POST
def new_draft(request, school_id: int):
    """Start a new version from the active one (texts copied), to edit and then publish."""
    school = access.get_school_led_by(request.user, school_id)
    source = school.leaflet_versions.active().first() or school.leaflet_versions.first()
    form = NewDraftForm(request.POST)
    if source is None:
        messages.error(request, _("This school has no leaflet to start from."))
    elif not form.is_valid():
        messages.error(request, _("Give the new version a label."))
    else:
        try:
            draft = services.new_draft(source, label=form.cleaned_data["label"], actor=request.user)
        except services.LeafletError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Draft %(label)s started: edit its texts, then publish it.")
                % {"label": draft.label},
            )
    return redirect("leaflet_versions", school_id=school.pk)


TEXTS = ["title_nl", "title_en", "purpose_nl", "purpose_en", "examples_nl", "examples_en"]
CategoryFormSet = modelformset_factory(Category, fields=TEXTS, extra=0, edit_only=True)


class IntroForm(forms.ModelForm):
    class Meta:
        model = LeafletVersion
        fields = LeafletVersion.text_fields()


def _draft_led_by(user, version_id: int) -> LeafletVersion:
    return get_object_or_404(
        LeafletVersion,
        pk=version_id,
        status=LeafletVersion.Status.DRAFT,
        school__in=access.schools_led_by(user),
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_draft(request, version_id: int):
    """Edit a draft's texts. Published versions are never edited: what a guardian answered
    to must stay readable as it was, so a change is always a new version."""
    draft = _draft_led_by(request.user, version_id)
    intro = IntroForm(_posted(request), instance=draft)
    categories = CategoryFormSet(_posted(request), queryset=draft.categories.all())
    if request.method == "POST" and intro.is_valid() and categories.is_valid():
        intro.save()
        categories.save()
        messages.success(request, _("The draft has been saved. Publish it when it is ready."))
        return redirect("leaflet_versions", school_id=draft.school_id)
    context = {"draft": draft, "intro": intro, "categories": categories}
    return render(request, "leaflets/edit_draft.html", context)


def _text_changes(active: LeafletVersion, draft: LeafletVersion) -> list[dict[str, str]]:
    """The leaflet's own texts (introduction, policy, closing) that the draft changes: shown
    too, though they do not by themselves make a change material."""
    changed = []
    for field in LeafletVersion.text_fields():
        old, new = getattr(active, field), getattr(draft, field)
        if " ".join(old.split()) != " ".join(new.split()):
            model_field = LeafletVersion._meta.get_field(field)
            assert isinstance(model_field, models.Field)
            changed.append({"label": str(model_field.verbose_name), "old": old, "new": new})
    return changed


def _listed(changes: list[services.CategoryChange]) -> str:
    """The categories that made a change material, as a sentence part:
    "1. Sharing (purpose (English)); 9. Social media (new)"."""
    parts = []
    for change in changes:
        if change.kind == "added":
            what = _("new")
        elif change.kind == "removed":
            what = _("removed")
        else:
            what = ", ".join(text.label for text in change.texts)
        parts.append(
            _("%(number)s. %(title)s (%(what)s)")
            % {"number": change.number, "title": change.title, "what": what}
        )
    return "; ".join(parts)


PUBLISH_CHOICES = {"yes": True, "no": False}


@login_required
@require_POST
def publish(request, version_id: int):
    """Publish a draft. The form must say material change or minor edit (no fallback); the
    service then makes it material anyway when a category's meaning changed, and the page
    says which categories did that."""
    version = get_object_or_404(
        LeafletVersion, pk=version_id, school__in=access.schools_led_by(request.user)
    )
    choice = PUBLISH_CHOICES.get(request.POST.get("material", ""))
    if choice is None:
        messages.error(
            request,
            _("Choose whether this is a material change or a minor edit: nothing was published."),
        )
        return redirect("leaflet_versions", school_id=version.school_id)
    first = not LeafletVersion.objects.active().filter(school_id=version.school_id).exists()
    changes = services.changes_against_active(version)
    new_round = not first and (choice or bool(changes))
    answered = services.pupils_answered_in_round(version.school) if new_round else 0
    if answered and request.POST.get("confirm_new_round") != "yes":
        # One click must not make a school's pupils unanswered: the number is on the page.
        messages.error(
            request,
            ngettext(
                "This is a material change: the answers given for %(count)d pupil stop "
                "counting. Tick the confirmation to publish it: nothing was published.",
                "This is a material change: the answers given for %(count)d pupils stop "
                "counting. Tick the confirmation to publish it: nothing was published.",
                answered,
            )
            % {"count": answered},
        )
        return redirect("leaflet_versions", school_id=version.school_id)
    try:
        services.publish(version, actor=request.user, material_change=choice)
    except services.LeafletError as error:
        messages.error(request, str(error))
        return redirect("leaflet_versions", school_id=version.school_id)
    label = {"label": version.label}
    if first:
        messages.success(request, _("Version %(label)s is now active.") % label)
    elif not version.material_change:
        messages.success(request, _("Version %(label)s is now active. Answers carry over.") % label)
    elif not choice and changes:
        messages.warning(
            request,
            _(
                "Version %(label)s is now active as a material change, although you chose a "
                "minor edit, because these categories changed what a yes means: "
                "%(categories)s. Everyone must answer again."
            )
            % (label | {"categories": _listed(changes)}),
        )
    else:
        messages.success(
            request, _("Version %(label)s is now active. Everyone must answer again.") % label
        )
    return redirect("leaflet_versions", school_id=version.school_id)
