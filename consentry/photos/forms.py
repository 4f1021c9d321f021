"""Forms of parents' own photos: asking first (the guardian) and sending or declining the
question (the teacher). The rules are in parent_photos.py."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.adhoc.forms import DateInput

from .parent_photos import ANSWER_DAYS


class AskForm(forms.Form):
    where = forms.CharField(
        label=_("Where would you like to share it?"),
        max_length=200,
        help_text=_("For example: the family app, a photo book for the grandparents."),
    )


class SendForm(forms.Form):
    purpose = forms.CharField(label=_("Question"), max_length=200)
    description = forms.CharField(label=_("Explanation for the parents"), widget=forms.Textarea)
    deadline = forms.DateField(
        label=_("Answer by"),
        widget=DateInput(),
        help_text=_("Answers are accepted until the end of this day; no answer is no."),
    )

    @staticmethod
    def default_deadline():
        return timezone.localdate() + timedelta(days=ANSWER_DAYS)


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Why not (the parent sees this)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
