import hashlib

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from consentry.schools.models import Board

from .models import CATEGORIES, SECTOR_MODEL, Agreement, ProcessingActivity, Processor

DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def max_document_bytes() -> int:
    return getattr(settings, "AGREEMENT_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProcessorForm(forms.ModelForm):
    categories = forms.TypedMultipleChoiceField(
        label=_("Consent categories that involve this processor"),
        choices=CATEGORIES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Processor
        fields = [
            "company",
            "product",
            "contact_name",
            "contact_email",
            "contact_phone",
            "categories",
            "schools",
            "in_use",
            "notes",
        ]
        widgets = {"schools": forms.CheckboxSelectMultiple}
        help_texts = {
            "schools": _("Leave all unticked when the processor serves every school of the board."),
            "in_use": _("Untick when the board no longer uses this product."),
        }

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.board = board
        self.fields["schools"].queryset = board.schools.order_by("name")  # type: ignore[attr-defined]

    def clean_categories(self) -> list[int]:
        return sorted(self.cleaned_data["categories"])


class AgreementForm(forms.ModelForm):
    """The agreement and its privacy sheet. The document must be a PDF within the size limit;
    a rejected file is never stored (files are written only when the agreement is saved)."""

    document = forms.FileField(
        label=_("Signed agreement (PDF)"), required=False, widget=forms.FileInput
    )

    class Meta:
        model = Agreement
        fields = [
            "model_version",
            "signed_on",
            "review_on",
            "ends_on",
            "document",
            "personal_data",
            "purposes",
            "retention",
            "sub_processors",
            "storage_location",
            "security_measures",
            "anonymised",
        ]
        widgets = {
            "signed_on": DateInput(),
            "review_on": DateInput(),
            "ends_on": DateInput(),
            "personal_data": forms.Textarea(attrs={"rows": 3}),
            "purposes": forms.Textarea(attrs={"rows": 3}),
            "retention": forms.Textarea(attrs={"rows": 2}),
            "sub_processors": forms.Textarea(attrs={"rows": 2}),
            "security_measures": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "model_version": _("For example: %(model)s") % {"model": SECTOR_MODEL},
            "review_on": _("The privacy officer is reminded before this date."),
        }

    sheet_fields = [
        "personal_data",
        "purposes",
        "retention",
        "sub_processors",
        "storage_location",
        "security_measures",
        "anonymised",
    ]

    def __init__(self, *args, processor: Processor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.processor = processor
        self.previous_document = self.instance.document.name or ""
        if self.instance.pk is None:
            self.initial.setdefault("model_version", SECTOR_MODEL)

    def agreement_fields(self):
        return [self[name] for name in self.fields if name not in self.sheet_fields]

    def privacy_sheet_fields(self):
        return [self[name] for name in self.sheet_fields]

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if not isinstance(upload, UploadedFile):
            return upload  # no new file: keep the one there is
        name, size = upload.name or "", upload.size or 0
        if not name.lower().endswith(".pdf"):
            raise forms.ValidationError(
                _("Upload the signed agreement as a PDF file (a name ending in .pdf)."),
                code="not_pdf",
            )
        if size > max_document_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s. Upload a smaller PDF.")
                % {"limit": filesizeformat(max_document_bytes())},
                code="too_large",
            )
        digest = hashlib.sha256()
        for i, chunk in enumerate(upload.chunks()):
            if i == 0 and not chunk.startswith(PDF_MAGIC):
                raise forms.ValidationError(
                    _("This file is not a PDF document, although its name ends in .pdf."),
                    code="not_pdf",
                )
            digest.update(chunk)
        upload.seek(0)
        self.instance.document_name = name[-200:]
        self.instance.document_sha256 = digest.hexdigest()
        return upload

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        signed = cleaned.get("signed_on")
        for name in ("review_on", "ends_on"):
            later = cleaned.get(name)
            if signed and later and later < signed:
                self.add_error(name, _("This date is before the date of signing."))
        return cleaned


class ActivityForm(forms.ModelForm):
    class Meta:
        model = ProcessingActivity
        fields = [
            "name",
            "purpose",
            "legal_basis",
            "data_categories",
            "data_subjects",
            "recipients",
            "processors",
            "retention",
            "transfers",
            "security_measures",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "data_categories": forms.Textarea(attrs={"rows": 3}),
            "data_subjects": forms.Textarea(attrs={"rows": 2}),
            "recipients": forms.Textarea(attrs={"rows": 2}),
            "processors": forms.CheckboxSelectMultiple,
            "retention": forms.Textarea(attrs={"rows": 2}),
            "transfers": forms.Textarea(attrs={"rows": 2}),
            "security_measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.board = board
        self.fields["processors"].queryset = Processor.objects.filter(board=board)  # type: ignore[attr-defined]
