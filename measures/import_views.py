"""Spreadsheet imports: the template, the upload, its preview and the confirmation."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from collaboratives.models import Team
from governance import access
from governance.forms import NHSFormMixin
from measures.exporters.template import ImportTemplateExporter
from measures.imports import (
    MAX_UPLOAD_BYTES,
    WORKER_ROWS,
    ImportNotReady,
    import_answer,
    import_batch_create,
    import_confirm,
    import_queue,
    import_state,
)
from measures.models import ImportBatch, Series
from measures.writes import DataPointConflict


class UploadForm(NHSFormMixin, forms.Form):
    file = forms.FileField(
        label="Upload a CSV or Excel (.xlsx) file",
        help_text="Columns: team, measure, period, numerator, denominator. Up to 5 MB.",
        error_messages={"required": "Choose a CSV or XLSX file to upload"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: "
                "split it into smaller files."
            )
        return upload


def _collaborative_to_import(user, pk):
    collaborative = access.collaborative_for(user, pk)
    teams = access.visible(Team.objects.filter(collaborative=collaborative), user)
    teams = teams.select_related("collaborative")
    if not any(access.can(user, access.EDIT_DATA, t) for t in teams):
        raise PermissionDenied
    return collaborative


@login_required
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    collaborative = _collaborative_to_import(request.user, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = import_batch_create(
            collaborative=collaborative,
            user=request.user,
            filename=upload.name,
            content=upload.read(),
        )
        return redirect("measures:import_batch", pk=batch.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "measures/import_upload.html",
        {"collaborative": collaborative, "form": form},
        status=status,
    )


@login_required
def import_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    collaborative = _collaborative_to_import(request.user, pk)
    series = access.visible(Series.objects.filter(team__collaborative=collaborative), request.user)
    exporter = ImportTemplateExporter(series, name=collaborative.name, today=timezone.localdate())
    if fmt not in exporter.formats:
        raise Http404("No such format")
    filename, content_type, content = exporter.render(fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AnswerForm(NHSFormMixin, forms.Form):
    """Which team each ambiguous name or code in the file means: one radio group each."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = {}
        for i, question in enumerate(questions):
            name = f"q{i}"
            self.keys[name] = question["key"]
            rows = question["rows"]
            shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
            self.fields[name] = forms.TypedChoiceField(
                label=f"Which team does {question['text']} mean?",
                help_text=f"It matches more than one team. Row{'s' if len(rows) > 1 else ''} "
                f"{shown}.",
                choices=[(o["team"], o["name"]) for o in question["options"]],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose the team {question['text']} means",
                    "invalid_choice": f"Choose one of the teams listed for {question['text']}",
                },
            )

    def choices(self) -> dict[str, int]:
        return {self.keys[name]: value for name, value in self.cleaned_data.items()}


STOP_POLLING = 286  # htmx stops polling on this status


@login_required
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an upload; while a worker imports it, the progress panel polls here."""
    batch = access.import_batch_for(request.user, pk)
    running = batch.confirmed_at is not None and batch.status in (
        ImportBatch.Status.PREVIEW,
        ImportBatch.Status.IMPORTING,
    )
    questions = batch.findings.get("questions") or []
    context = {
        "batch": batch,
        "running": running,
        "state": import_state(batch),
        "answer_form": AnswerForm(questions=questions) if questions else None,
    }
    if request.htmx:
        response = render(request, "measures/import_batch.html#progress", context)
        if not running:
            response["HX-Refresh"] = "true"
            response.status_code = STOP_POLLING
        return response
    return render(request, "measures/import_batch.html", context)


@login_required
@require_POST
def import_batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = access.import_batch_for(request.user, pk)
    _collaborative_to_import(request.user, batch.collaborative_id)
    ready = not batch.findings.get("errors") and not batch.findings.get("questions")
    if batch.total > WORKER_ROWS and ready:
        if import_queue(batch=batch, user=request.user):
            messages.success(request, f"Importing {batch.total:,} values: this page shows when.")
        return redirect("measures:import_batch", pk=batch.pk)
    try:
        result = import_confirm(batch=batch, user=request.user)
    except ImportNotReady as e:
        messages.error(request, str(e))
    except DataPointConflict as e:
        messages.error(
            request,
            f"Nothing was imported: some values changed since the preview ({e}). "
            "Upload the file again to see the new preview.",
        )
    else:
        messages.success(
            request,
            f"Imported: {result['created']} values added and {result['updated']} changed.",
        )
    return redirect("measures:import_batch", pk=batch.pk)


@login_required
@require_POST
def import_batch_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Settle which team each ambiguous name or code means; the preview then shows its rows."""
    batch = access.import_batch_for(request.user, pk)
    _collaborative_to_import(request.user, batch.collaborative_id)
    questions = batch.findings.get("questions") or []
    if not questions:
        return redirect("measures:import_batch", pk=batch.pk)
    form = AnswerForm(request.POST, questions=questions)
    if not form.is_valid():
        context = {
            "batch": batch,
            "running": False,
            "state": import_state(batch),
            "answer_form": form,
        }
        return render(request, "measures/import_batch.html", context, status=400)
    try:
        import_answer(batch=batch, user=request.user, choices=form.choices())
    except ImportNotReady as e:
        messages.error(request, str(e))
    return redirect("measures:import_batch", pk=batch.pk)
