from django import forms
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import School

from . import services
from .models import Acknowledgement, PrivacyRules


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    period_from = forms.DateField(label=_("From"), widget=DayInput())
    period_to = forms.DateField(label=_("Until"), widget=DayInput())
    must_include = None  # a day the period must include, or None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end:
            problem = services.period_problem(start, end, must_include=self.must_include)
            if problem:
                self.add_error("period_to", problem)
        return cleaned


class AcknowledgeForm(PeriodForm):
    """The intern or visitor: when they are at the school, and the promise. `version` is the
    version they read; if it is no longer the current one, they read again."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    keeps_rules = forms.BooleanField(
        label=_("I have read these rules and will keep them."),
        error_messages={"required": _("Tick this box to acknowledge the rules.")},
    )
    field_order = ["period_from", "period_to", "keeps_rules", "version"]

    def __init__(self, *args, rules: PrivacyRules, today, **kwargs):
        kwargs.setdefault("initial", {"version": rules.pk, "period_from": today})
        super().__init__(*args, **kwargs)
        self.rules = rules
        self.must_include = today
        self.fields["period_to"].help_text = _("The last day you are at the school.")

    def clean_version(self) -> int:
        if self.cleaned_data["version"] != self.rules.pk:
            raise forms.ValidationError(
                _("These rules have changed while you were reading: read them again below.")
            )
        return self.cleaned_data["version"]


class PaperForm(PeriodForm):
    """A visitor without an account who signed the rules on paper."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("As on the signed sheet; add the company for a photographer."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Acknowledgement.Role.choices)
    rules = forms.ModelChoiceField(
        label=_("Version signed"), queryset=PrivacyRules.objects.none(), empty_label=None
    )
    signed = forms.BooleanField(
        label=_("The visitor signed this version on paper; the school keeps the signed sheet.")
    )
    field_order = ["name", "role", "period_from", "period_to", "rules", "signed"]

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        versions = PrivacyRules.objects.published().filter(school=school)
        self.fields["rules"].queryset = versions.order_by("-published_at", "-pk")  # type: ignore[attr-defined]


class RulesForm(forms.ModelForm):
    class Meta:
        model = PrivacyRules
        fields = ["label", "text_nl", "text_en"]
        widgets = {
            "text_nl": forms.Textarea(attrs={"rows": 16}),
            "text_en": forms.Textarea(attrs={"rows": 16}),
        }

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_label(self) -> str:
        label = self.cleaned_data["label"]
        others = self.school.privacy_rules.exclude(pk=self.instance.pk)
        if others.filter(label=label).exists():
            raise forms.ValidationError(_("There is already a version with this name."))
        return label
