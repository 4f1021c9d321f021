"""The privacy office's pages: processors and agreements, and the processing register.

The registers belong to a board. Its privacy officer keeps them; the leadership of its schools
may read them (404 for everyone else, 403 when a reader tries to change something). A signed
agreement is served only here, to those readers, never from a public URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consentry.schools import access
from consentry.schools.models import Board

from . import export, services
from .forms import ActivityForm, AgreementForm, ProcessorForm
from .models import Agreement, ProcessingActivity, Processor


def _board(request, board_id: int, *, change: bool = False) -> Board:
    board = access.get_board_overseen_by(request.user, board_id)
    if change and not access.keeps_registers(request.user, board):
        raise PermissionDenied
    return board


def _processor(request, processor_id: int, *, change: bool = False) -> Processor:
    boards = access.boards_overseen_by(request.user)
    processor = get_object_or_404(
        Processor.objects.select_related("board"), pk=processor_id, board__in=boards
    )
    if change and not access.keeps_registers(request.user, processor.board):
        raise PermissionDenied
    return processor


def _agreement(request, agreement_id: int, *, change: bool = False) -> Agreement:
    boards = access.boards_overseen_by(request.user)
    agreement = get_object_or_404(
        Agreement.objects.select_related("processor__board"),
        pk=agreement_id,
        processor__board__in=boards,
    )
    if change and not access.keeps_registers(request.user, agreement.processor.board):
        raise PermissionDenied
    return agreement


def _activity(request, activity_id: int) -> ProcessingActivity:
    boards = access.boards_overseen_by(request.user)
    activity = get_object_or_404(
        ProcessingActivity.objects.select_related("board"), pk=activity_id, board__in=boards
    )
    if not access.keeps_registers(request.user, activity.board):
        raise PermissionDenied
    return activity


@login_required
@require_GET
def processor_list(request, board_id: int):
    board = _board(request, board_id)
    today = timezone.localdate()
    processors = services.processors_of(board)
    context = {
        "board": board,
        "rows": [(p, p.agreement_status(today), p.valid_agreement(today)) for p in processors],
        "missing": services.without_valid_agreement(board, today),
        "due": services.due_for_review(board, today),
        "can_change": access.keeps_registers(request.user, board),
    }
    return render(request, "processors/processor_list.html", context)


@login_required
@require_GET
def processor_detail(request, processor_id: int):
    processor = _processor(request, processor_id)
    today = timezone.localdate()
    context = {
        "board": processor.board,
        "processor": processor,
        "status": processor.agreement_status(today),
        "agreements": [(a, a.is_valid_on(today)) for a in processor.agreements.all()],
        "can_change": access.keeps_registers(request.user, processor.board),
    }
    return render(request, "processors/processor_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def processor_create(request, board_id: int):
    board = _board(request, board_id, change=True)
    return _edit_processor(request, board, Processor())


@login_required
@require_http_methods(["GET", "POST"])
def processor_edit(request, processor_id: int):
    processor = _processor(request, processor_id, change=True)
    return _edit_processor(request, processor.board, processor)


def _edit_processor(request, board: Board, processor: Processor):
    form = ProcessorForm(request.POST or None, instance=processor, board=board)
    if request.method == "POST" and form.is_valid():
        created = processor.pk is None
        with transaction.atomic():
            processor = form.save()
            services.record_change(
                processor,
                actor=request.user,
                board_id=board.pk,
                created=created,
                fields=form.changed_data,
            )
        messages.success(request, _("The processor was saved."))
        if created:  # the list shows it among those still without an agreement
            return redirect("processor_list", board_id=board.pk)
        return redirect("processor_detail", processor_id=processor.pk)
    context = {"board": board, "form": form, "processor": processor}
    return render(request, "processors/processor_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request, processor_id: int):
    processor = _processor(request, processor_id, change=True)
    return _edit_agreement(request, processor, Agreement())


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, agreement_id: int):
    agreement = _agreement(request, agreement_id, change=True)
    return _edit_agreement(request, agreement.processor, agreement)


def _edit_agreement(request, processor: Processor, agreement: Agreement):
    form = AgreementForm(
        request.POST or None, request.FILES or None, instance=agreement, processor=processor
    )
    if request.method == "POST" and form.is_valid():
        services.save_agreement(form, actor=request.user)
        messages.success(request, _("The agreement was saved."))
        return redirect("processor_detail", processor_id=processor.pk)
    context = {"board": processor.board, "processor": processor, "form": form}
    return render(request, "processors/agreement_form.html", context)


@login_required
@require_GET
def agreement_document(request, agreement_id: int):
    """The signed agreement, as a download, for those who may read the register."""
    agreement = _agreement(request, agreement_id)
    if not agreement.document:
        raise Http404("This agreement has no document.")
    try:
        handle = agreement.document.open("rb")
    except FileNotFoundError:
        raise Http404("The document is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=agreement.document_name or "agreement.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def register(request, board_id: int):
    board = _board(request, board_id)
    context = {
        "board": board,
        "activities": export.activities_of(board),
        "can_change": access.keeps_registers(request.user, board),
    }
    return render(request, "processors/register.html", context)


@login_required
@require_GET
def register_print(request, board_id: int):
    """The register as a document to print or save as PDF (its own print stylesheet)."""
    board = _board(request, board_id)
    context = {
        "board": board,
        "activities": export.activities_of(board),
        "officers": services.reminder_recipients(board),
        "today": timezone.localdate(),
    }
    return render(request, "processors/register_print.html", context)


@login_required
@require_GET
def register_csv(request, board_id: int):
    board = _board(request, board_id)
    response = HttpResponse(export.register_csv(board), content_type="text/csv; charset=utf-8")
    filename = f"processing-register-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request, board_id: int):
    board = _board(request, board_id, change=True)
    return _edit_activity(request, board, ProcessingActivity())


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, activity_id: int):
    activity = _activity(request, activity_id)
    return _edit_activity(request, activity.board, activity)


def _edit_activity(request, board: Board, activity: ProcessingActivity):
    form = ActivityForm(request.POST or None, instance=activity, board=board)
    if request.method == "POST" and form.is_valid():
        created = activity.pk is None
        with transaction.atomic():
            activity = form.save()
            services.record_change(
                activity,
                actor=request.user,
                board_id=board.pk,
                created=created,
                fields=form.changed_data,
            )
        messages.success(request, _("The processing activity was saved."))
        return redirect("processing_register", board_id=board.pk)
    context = {"board": board, "form": form, "activity": activity}
    return render(request, "processors/activity_form.html", context)
