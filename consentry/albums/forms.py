from datetime import date

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NewsletterForm(forms.Form):
    """The title and how long the links work; the photos are checkboxes of their own
    (with a picture each), read by the view."""

    title = forms.CharField(label=_("Title"), max_length=200)
    valid_until = forms.DateField(label=_("Links valid until"), widget=DayInput())

    def __init__(self, *args, today: date, last_day: date, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["valid_until"]
        field.widget.attrs.update(min=today.isoformat(), max=last_day.isoformat())
        field.help_text = _("At most until %(date)s.") % {"date": date_format(last_day)}
