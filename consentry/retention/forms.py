from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from .erasure import Reason
from .models import RetentionPolicy


class EraseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=Reason.choices, widget=forms.RadioSelect)
    confirm = forms.BooleanField(
        label=_("I understand that this erases the pupil's data for good; it cannot be undone.")
    )


class PolicyForm(forms.ModelForm):
    left_pupil_years = forms.IntegerField(
        label=_("Years to keep the records of pupils who left"),
        help_text=_("Leave empty for the default."),
        required=False,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )

    class Meta:
        model = RetentionPolicy
        fields = ["left_pupil_years"]
