from datetime import date, timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.adhoc.services import askable_pupils
from consentry.schools.access import pupils_visible_to
from consentry.schools.models import Pupil, School

from .access import possible_members
from .models import Material, Project, extension_needs_reason
from .uploads import Inspected, MaterialRejected, inspect

REQUEST_DAYS = 14  # the default time guardians get to answer a kind 6 request


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PupilChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} ({obj.group.name})" if obj.group else obj.full_name


class MemberChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} ({obj.email})"


class ProjectForm(forms.ModelForm):
    """A new project, or the changes to one. The kind and the subject are fixed once the
    project exists: a kind 6 request was asked about that pupil and no other."""

    members = MemberChoiceField(label=_("Members"), queryset=User.objects.none())
    request_deadline = forms.DateField(
        label=_("Guardians answer the separate request by"),
        required=False,
        widget=DateInput(),
        help_text=_("Only for internal research about one pupil. No answer by then is no."),
    )

    extension_reason = forms.CharField(
        label=_("Reason for the later end date"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # only on the edit page, with the first end date in its help text

    class Meta:
        model = Project
        fields = [
            "kind",
            "title",
            "external_party",
            "purpose",
            "subject",
            "members",
            "adults_may_appear",
            "ends_on",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "ends_on": DateInput(),
        }
        help_texts = {"subject": _("Only for internal research about one pupil (kind 6).")}

    def __init__(self, *args, school: School, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.school = school
        self.today = timezone.localdate()
        self.fields["members"].queryset = possible_members(school)  # type: ignore[attr-defined]
        # The end date as stored before this form: None for a new project.
        self.old_ends_on: date | None = self.instance.ends_on if self.instance.pk else None
        if self.instance.pk is not None:
            del self.fields["kind"], self.fields["subject"], self.fields["request_deadline"]
            self.fields["extension_reason"].help_text = _(
                "Needed when the end date moves past the first end date, %(day)s; it is kept "
                "in the audit trail. A shortening needs no reason."
            ) % {"day": date_format(self.instance.first_ends_on)}
            return
        del self.fields["extension_reason"]
        self.instance.created_by = actor
        # Only who may ask the guardians separately: the leadership, or the pupil's teacher.
        pupils = askable_pupils(actor, school).select_related("group")
        self.fields["subject"].queryset = pupils  # type: ignore[attr-defined]
        self.may_ask = pupils.exists()
        self.initial.setdefault("request_deadline", self.today + timedelta(days=REQUEST_DAYS))

    def clean_ends_on(self) -> date:
        ends_on = self.cleaned_data["ends_on"]
        if ends_on < self.today:
            raise forms.ValidationError(_("The end date cannot be in the past."))
        return ends_on

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "kind" not in self.fields:
            self._clean_extension(cleaned)
            return cleaned
        if cleaned.get("kind") == Project.Kind.RESEARCH:
            self._clean_research(cleaned)
        else:
            cleaned["subject"] = None
            cleaned["request_deadline"] = None
        return cleaned

    def _clean_extension(self, cleaned) -> None:
        new, old = cleaned.get("ends_on"), self.old_ends_on
        if new is None or old is None:
            return
        cleaned["extension_reason"] = (cleaned.get("extension_reason") or "").strip()
        first = self.instance.first_ends_on
        if extension_needs_reason(first, old, new) and not cleaned["extension_reason"]:
            self.add_error(
                "extension_reason",
                _(
                    "The new end date is after the first end date, %(day)s: say why the "
                    "project needs longer."
                )
                % {"day": date_format(first)},
            )

    def _clean_research(self, cleaned) -> None:
        if not self.may_ask:
            self.add_error(
                "kind",
                _(
                    "Only the school leadership can start research about one pupil, because "
                    "it asks the pupil's guardians separately."
                ),
            )
        elif not cleaned.get("subject") and "subject" not in self.errors:
            self.add_error("subject", _("Choose the pupil the research is about."))
        deadline = cleaned.get("request_deadline")
        if deadline is None:
            self.add_error("request_deadline", _("Give the date by which guardians answer."))
        elif deadline <= self.today:
            self.add_error("request_deadline", _("The answer date must be after today."))
        elif cleaned.get("ends_on") and deadline > cleaned["ends_on"]:
            self.add_error("request_deadline", _("The answer date must be before the end date."))


def taggable_pupils(user: User, school: School) -> QuerySet[Pupil]:
    """The pupils the uploader may tag: the school's current pupils they may see."""
    visible = pupils_visible_to(user).filter(school=school)
    return Pupil.objects.current().filter(pk__in=visible.values("pk")).select_related("group")


class TagsForm(forms.Form):
    """Who appears in the material. Saying "nobody" is explicit, so that forgetting to tag
    never looks like a photo without pupils; and who else appears is always asked, because
    only a ticked pupil with consent (or an adult who agreed, where the project allows
    adults) is covered: anyone else blocks the material, as an untagged face does in the
    photo gate."""

    pupils = PupilChoiceField(
        label=_("Pupils who appear in it"), queryset=Pupil.objects.none(), required=False
    )
    no_pupils = forms.BooleanField(label=_("No pupil appears in it"), required=False)
    others = forms.ChoiceField(
        label=_("Who else appears in it"),
        choices=[(value, label) for value, label in Material.Others.choices if value],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who else appears in it.")},
    )

    def __init__(self, *args, pupils: QuerySet[Pupil], project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils  # type: ignore[attr-defined]
        adults = (
            _("This project allows adults who agreed to appear in its material.")
            if project.adults_may_appear
            else _("This project allows no adults: material in which adults appear is blocked.")
        )
        rest = _("Anyone else blocks the material: nobody can open it.")
        self.fields["others"].help_text = f"{adults} {rest}"

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        chosen, nobody = cleaned.get("pupils"), cleaned.get("no_pupils")
        if chosen and nobody:
            raise forms.ValidationError(_("Tick pupils or say that no pupil appears, not both."))
        if not chosen and not nobody and "pupils" not in self.errors:
            raise forms.ValidationError(
                _("Tick every pupil who appears in it, or say that no pupil appears.")
            )
        return cleaned


class MaterialForm(TagsForm):
    """A photo or document with who appears in it; or a video, in which the uploader marks
    who stays visible once its faces have been found (everyone else is blurred), so that
    for a video the pupils and the others are not asked."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A photo (JPEG, PNG, WebP, HEIC), a video (MP4, MOV, WebM) or a PDF document. "
            "For a video you leave the questions below: once its faces have been found you "
            "mark who stays visible, and everyone else is blurred."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    field_order = ["file", "description", "pupils", "no_pupils", "others"]
    inspected: Inspected | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["others"].required = False  # asked in clean(), unless it is a video

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.inspected = inspect(upload)
        except MaterialRejected as rejected:
            raise forms.ValidationError(str(rejected), code="rejected") from None
        return upload

    @property
    def is_video(self) -> bool:
        return self.inspected is not None and self.inspected.kind == Material.Kind.VIDEO

    def clean(self):
        if self.is_video:
            self.cleaned_data.update(pupils=Pupil.objects.none(), others="")
            return self.cleaned_data
        if "file" in self.errors:
            return self.cleaned_data
        if not self.cleaned_data.get("others"):
            self.add_error("others", self.fields["others"].error_messages["required"])
        return super().clean()
