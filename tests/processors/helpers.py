"""Building blocks for the processors tests (and the access table): a small register."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.base import ContentFile

from consentry.processors.models import Agreement, LegalBasis, ProcessingActivity, Processor
from consentry.schools.models import Board

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TODAY = date(2026, 9, 1)


def make_processor(board: Board, company: str = "Fotostudio", **fields) -> Processor:
    fields.setdefault("product", "Schoolfoto's")
    return Processor.objects.create(board=board, company=company, **fields)


def make_agreement(processor: Processor, signed_on: date | None = None, **fields) -> Agreement:
    fields.setdefault("model_version", "Model Verwerkersovereenkomst 4.0")
    return Agreement.objects.create(
        processor=processor, signed_on=signed_on or TODAY - timedelta(days=365), **fields
    )


def attach_document(agreement: Agreement, content: bytes = PDF, name: str = "signed.pdf") -> None:
    """Store a document as the upload form would (needs settings.DATA_DIR to be a tmp dir)."""
    agreement.document_name = name
    agreement.document.save(name, ContentFile(content))


@dataclass
class Register:
    processor: Processor
    agreement: Agreement
    activity: ProcessingActivity

    def url_kwargs(self) -> dict[str, int]:
        return {
            "board_id": self.processor.board_id,
            "processor_id": self.processor.pk,
            "agreement_id": self.agreement.pk,
            "activity_id": self.activity.pk,
        }


def make_register(board: Board, *, document: bool = True) -> Register:
    processor = make_processor(board, categories=[1, 2])
    agreement = make_agreement(processor, review_on=date.today() + timedelta(days=400))
    if document:
        attach_document(agreement)
    activity = ProcessingActivity.objects.create(
        board=board,
        name="Schoolfotografie",
        purpose="Foto's die ouders kunnen bestellen.",
        legal_basis=LegalBasis.CONSENT,
        data_categories="Naam, groep, foto's.",
        data_subjects="Leerlingen.",
        retention="Drie maanden.",
    )
    activity.processors.add(processor)
    return Register(processor, agreement, activity)
