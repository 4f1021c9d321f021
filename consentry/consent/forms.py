from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consentry.leaflets.models import Category

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class DecisionsForm(forms.Form):
    """One yes/no per category of the active leaflet. A category left empty is not saved."""

    def __init__(self, *args, categories: list[Category], initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category in categories:
            answer = (initial_answers or {}).get(category.number)
            self.fields[f"category_{category.number}"] = forms.ChoiceField(
                label=f"{category.number}. {category.title}",
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
                initial=None if answer is None else ("yes" if answer else "no"),
            )

    def clean(self):
        """A tampered form (a category this leaflet does not have) saves nothing at all,
        rather than silently saving the rest: the person must see what went wrong."""
        cleaned = super().clean()
        unknown = sorted(k for k in self.data if k.startswith("category_") and k not in self.fields)
        if unknown:
            raise ValidationError(
                _("The form asked about a category that is not in this leaflet. Nothing saved."),
                code="unknown_category",
            )
        if not self.errors and not self.decisions():
            raise ValidationError(
                _("Choose yes or no for at least one category."), code="no_decision"
            )
        return cleaned

    def decisions(self) -> dict[int, bool]:
        return {
            category.number: self.cleaned_data[f"category_{category.number}"] == "yes"
            for category in self.categories
            if self.cleaned_data.get(f"category_{category.number}")
        }


class PaperFormForm(DecisionsForm):
    def __init__(self, *args, signer_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by"] = forms.ChoiceField(label=_("Signed by"), choices=signer_choices)
        self.fields["note"] = forms.CharField(
            label=_("How was consent obtained?"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("For example: paper form signed at the parents' evening of 3 March."),
        )


class NeverFlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (seen only by the school leadership)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
