from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Breach


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class ReportForm(forms.ModelForm):
    """The public form. The dates are checked by `Breach.clean`; `website` is a trap for
    robots (hidden from people, who leave it empty)."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Breach
        fields = ["description", "occurred_at", "discovered_at", "reporter_name", "reporter_email"]
        widgets = {
            "description": _rows(6),
            "occurred_at": MomentInput(),
            "discovered_at": MomentInput(),
        }
        help_texts = {
            "description": _(
                "What happened, and which information may have reached the wrong people? "
                "Please give no more personal details than needed."
            ),
            "occurred_at": _("If you know it."),
            "discovered_at": _("When you, or someone else, noticed it."),
            "reporter_name": _("Optional, so the school knows whom to ask."),
            "reporter_email": _("Optional: for your receipt, and if the school has questions."),
        }

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(_("Leave this field empty."))
        return ""


class RegisterForm(forms.ModelForm):
    """The register's fields, kept by the leadership and the privacy officer."""

    class Meta:
        model = Breach
        fields = [
            "occurred_at",
            "discovered_at",
            "data_concerned",
            "people_concerned",
            "people_count",
            "cause",
            "risk",
            "risk_assessment",
            "measures",
            "people_informed",
            "people_informed_on",
        ]
        widgets = {
            "occurred_at": MomentInput(),
            "discovered_at": MomentInput(),
            "people_informed_on": DayInput(),
            "data_concerned": _rows(3),
            "cause": _rows(3),
            "risk_assessment": _rows(3),
            "measures": _rows(3),
        }
        help_texts = {
            "discovered_at": _("The 72-hour clock runs from this moment."),
            "data_concerned": _("For example: names and groups, photos, the pupil file."),
            "people_concerned": _("For example: pupils of group Zon and their guardians."),
        }


class AuthorityForm(forms.Form):
    """Whether the AP (Autoriteit Persoonsgegevens) was notified, or why not."""

    NOTIFIED, NOT_NEEDED = "notified", "not_needed"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (NOTIFIED, _("The AP was notified")),
            (NOT_NEEDED, _("Not reported: unlikely to pose a risk")),
        ],
        widget=forms.RadioSelect,
    )
    notified_at = forms.DateTimeField(label=_("Notified at"), required=False, widget=MomentInput())
    ap_reference = forms.CharField(label=_("AP report number"), max_length=50, required=False)
    reason = forms.CharField(
        label=_("Why the AP need not be notified"), required=False, widget=_rows(3)
    )

    def __init__(self, *args, breach: Breach, **kwargs):
        super().__init__(*args, **kwargs)
        self.breach = breach

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("decision") == self.NOTIFIED:
            notified_at = cleaned.get("notified_at")
            if notified_at is None:
                self.add_error("notified_at", _("Give the moment the AP was notified."))
            elif notified_at > timezone.now():
                self.add_error("notified_at", _("This cannot be in the future."))
            elif notified_at < self.breach.discovered_at:
                self.add_error(
                    "notified_at", _("The AP cannot have been notified before the discovery.")
                )
        elif cleaned.get("decision") == self.NOT_NEEDED and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the AP need not be notified."))
        return cleaned
