from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def max_upload_bytes() -> int:
    return getattr(settings, "ROSTER_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of file"),
        choices=[
            ("edex", _("EDEXML export of the pupil administration (.xml)")),
            ("oneroster", _("OneRoster package (.zip)")),
            ("guardians", _("Guardians list (.csv)")),
        ],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label=_("File"))
    partial = forms.BooleanField(
        label=_("The file is not complete: pupils who are not in it have not left"),
        required=False,
    )
    confirm_leavers = forms.BooleanField(
        label=_("I know many pupils will be marked as left, and that is right"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(max_upload_bytes())}
            )
        return upload


class ConfirmForm(forms.Form):
    """The hash of the previewed roster, so a stale tab cannot confirm something else."""

    payload_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
