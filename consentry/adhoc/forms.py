from django import forms
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import Group, Pupil

from .models import ConsentRequest
from .preview import MAX_BYTES, PreviewRejected, encode_preview


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PupilChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} ({obj.group.name})" if obj.group else obj.full_name


class ConsentRequestForm(forms.ModelForm):
    """The request and who it is about: whole groups (their pupils as they are now) and
    individual pupils, only among those the writer may ask about."""

    groups = forms.ModelMultipleChoiceField(
        label=_("Whole groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every current pupil of the group. A pupil who joins later is not asked."),
    )
    pupils = PupilChoiceField(
        label=_("Individual pupils"),
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    image = forms.FileField(
        label=_("Preview image (optional)"),
        required=False,
        help_text=_("For example the photo you would like to use. JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_preview = forms.BooleanField(label=_("Remove the preview image"), required=False)

    class Meta:
        model = ConsentRequest
        fields = ["purpose", "description", "deadline"]
        widgets = {"deadline": DateInput(), "description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "purpose": _("One line, for example: photo in the regional paper after sports day."),
            "description": _("What, where, for whom and for how long: what guardians must know."),
            "deadline": _("Answers are accepted until the end of this day; no answer is no."),
        }

    def __init__(self, *args, groups: QuerySet[Group], pupils: QuerySet[Pupil], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = groups  # type: ignore[attr-defined]
        self.fields["pupils"].queryset = pupils.select_related("group")  # type: ignore[attr-defined]
        self.askable = pupils
        self.preview_jpeg: bytes | None = None
        if self.instance.pk:
            self.initial["pupils"] = list(self.instance.pupils.values_list("pk", flat=True))
        if not self.instance.preview:
            del self.fields["remove_preview"]

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline is in the past."), code="past")
        return deadline

    def clean_image(self):
        """A real image within the size limit, re-encoded without metadata right away, so
        a bad file is refused before anything is stored."""
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if (upload.size or 0) > MAX_BYTES:
            raise forms.ValidationError(
                _("The image is larger than %(limit)s. Upload a smaller one.")
                % {"limit": filesizeformat(MAX_BYTES)},
                code="too_large",
            )
        try:
            self.preview_jpeg = encode_preview(upload.read())
        except PreviewRejected as error:
            raise forms.ValidationError(str(error), code="not_an_image") from None
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.chosen_pupils():
            raise forms.ValidationError(
                _("Choose the pupils this request is about: a whole group or some pupils."),
                code="no_pupils",
            )
        return cleaned

    def chosen_pupils(self) -> list[Pupil]:
        groups = self.cleaned_data.get("groups") or []
        chosen = self.askable.filter(
            Q(pk__in=[p.pk for p in self.cleaned_data.get("pupils") or []])
            | Q(group__in=groups)
            | Q(extra_groups__in=groups)
        )
        return list(chosen.distinct())


class AnswerForm(forms.Form):
    pupil = forms.IntegerField()
    answer = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))])

    @property
    def given(self) -> bool:
        return self.cleaned_data["answer"] == "yes"
