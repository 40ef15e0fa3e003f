"""Contract reviews: ask for one, watch it build, add commentary, sign it off, download it.

Every view asks governance/access.py: only the AHSN's directors (EXPORT_REVIEW) reach
its reviews; anyone else gets 404, whether the review exists or not.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from collaboratives.models import AHSN
from collaboratives.versions import EditConflict, conflict_message, version_claim, version_field
from governance import access
from reports.build import review_rebuild, review_request
from reports.forms import CommentaryForm, PeriodForm, SignOffForm, last_twelve_months
from reports.models import ContractReview
from reports.render import render_files

STOP_POLLING = 286  # htmx stops polling on this status
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def review_home(request: HttpRequest) -> HttpResponse:
    """The AHSNs whose contract review the user may build (straight there if only one)."""
    p = access.principal(request.user)
    ahsns = AHSN.objects.all() if p.superuser else AHSN.objects.filter(pk__in=p.director_ahsns)
    ahsns = list(ahsns.order_by("name"))
    if not ahsns:
        raise Http404("No contract reviews here")
    if len(ahsns) == 1:
        return redirect("review_list", pk=ahsns[0].pk)
    return render(request, "reports/review_home.html", {"ahsns": ahsns})


@login_required
def review_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The AHSN's reviews, and the form that asks for a new one."""
    ahsn = access.ahsn_for_review(request.user, pk)
    start, end = last_twelve_months(timezone.localdate())
    form = PeriodForm(request.POST or None, initial={"period_start": start, "period_end": end})
    if request.method == "POST" and form.is_valid():
        review = review_request(
            ahsn=ahsn,
            start=form.cleaned_data["period_start"],
            end=form.cleaned_data["period_end"],
            user=request.user,
        )
        return redirect("review_detail", pk=review.pk)
    reviews = ContractReview.objects.filter(ahsn=ahsn).defer(
        "document", "data_versions", "pdf", "xlsx", "html"
    )
    return render(
        request,
        "reports/review_list.html",
        {"ahsn": ahsn, "form": form, "reviews": reviews},
        status=400 if form.errors else 200,
    )


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The review: its progress while it builds (polled by htmx), then the report itself."""
    review = access.review_for(ContractReview.objects, request.user, pk)
    context = {"review": review, "ahsn": review.ahsn}
    if request.htmx:
        response = render(request, "reports/review_detail.html#progress", context)
        if not review.running:
            response["HX-Refresh"] = "true"
            response.status_code = STOP_POLLING
        return response
    if review.is_draft_ready:
        context.update(_draft_forms(review, SignOffForm()))
    return render(request, "reports/review_detail.html", context)


def _draft_forms(review, sign_off_form) -> dict:
    """A draft's page carries its commentary boxes (saved by `review_commentary`) and the
    sign-off form, so the director reads, writes and signs off in one place."""
    return {
        "sign_off_form": sign_off_form,
        "commentary_form": _commentary_form(review, None),
    }


def _sections(review) -> list[tuple[str, str]]:
    doc = review.document
    return (
        [("summary", "1. Portfolio summary")]
        + [
            (c["key"], f"{i}. {c['name']}")
            for i, c in enumerate(doc.get("collaboratives", []), start=2)
        ]
        + [("lessons", f"{len(doc.get('collaboratives', [])) + 2}. Lessons learned")]
    )


def _draft_for(user, pk) -> ContractReview:
    review = access.review_for(ContractReview.objects, user, pk)
    if not review.is_draft_ready:
        raise Http404("Only a built draft can be changed")
    return review


@login_required
def review_commentary(request: HttpRequest, pk: int) -> HttpResponse:
    """The director's narrative, a box per section; saving re-renders the files."""
    review = access.review_for(ContractReview.objects, request.user, pk)
    if not review.is_draft_ready:
        messages.info(
            request, "Commentary can be added once the draft is built, until it is signed off."
        )
        return redirect("review_detail", pk=review.pk)
    form = _commentary_form(review, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                review = ContractReview.objects.select_for_update().get(pk=review.pk)
                if not review.is_draft_ready:
                    raise Http404("The report was signed off or is being rebuilt")
                expected = form.cleaned_data.get("version")
                if expected is not None:
                    review.commentary_version = version_claim(
                        ContractReview, pk=review.pk, field="commentary_version", expected=expected
                    )
                review.commentary = form.commentary()
                for name, value in render_files(review).items():
                    setattr(review, name, value)
                review.save(update_fields=["commentary", "pdf", "xlsx", "html"])
        except EditConflict:
            # Someone saved commentary since this page was opened: keep the typed text,
            # with the version now stored, to save again on purpose.
            review.refresh_from_db()
            data = request.POST.copy()
            data["version"] = review.commentary_version
            form = _commentary_form(review, data)
            form.is_valid()
            form.add_error(None, conflict_message())
            status = 409
        else:
            messages.success(
                request,
                "Commentary saved. The PDF, this page and the spreadsheet's Commentary sheet "
                "include it.",
            )
            return redirect("review_detail", pk=review.pk)
    return render(
        request,
        "reports/review_commentary.html",
        {"review": review, "ahsn": review.ahsn, "form": form},
        status=status if status != 200 else (400 if form.errors else 200),
    )


def _commentary_form(review: ContractReview, data) -> CommentaryForm:
    """The commentary form, carrying the version it was opened at (collaboratives/versions.py)."""
    form = CommentaryForm(data, sections=_sections(review), initial_text=review.commentary)
    form.fields["version"] = version_field(review.commentary_version)
    return form


@login_required
@require_POST
def review_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Freeze the report exactly as it will be sent, with who signed it off and when."""
    review = _draft_for(request.user, pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "reports/review_detail.html",
            {"review": review, "ahsn": review.ahsn, **_draft_forms(review, form)},
            status=400,
        )
    person = getattr(request.user, "person", None)
    with transaction.atomic():
        review = ContractReview.objects.select_for_update().get(pk=review.pk)
        if not review.is_draft_ready:
            raise Http404("The report is not a draft any more")
        review.signed_off_by = request.user
        review.signed_off_by_name = person.name if person else request.user.get_username()
        review.signed_off_at = timezone.now()
        review.status = ContractReview.Status.SIGNED_OFF
        for name, value in render_files(review).items():
            setattr(review, name, value)
        review.save()
    messages.success(request, "Signed off. This report is now kept exactly as it is.")
    return redirect("review_detail", pk=review.pk)


@login_required
@require_POST
def review_rebuild_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the draft again from today's data; the commentary is kept."""
    review = access.review_for(ContractReview.objects, request.user, pk)
    if not review_rebuild(review):
        raise Http404("Only an unsigned draft can be rebuilt")
    return redirect("review_detail", pk=review.pk)


@login_required
def review_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    review = access.review_for(ContractReview.objects, request.user, pk)
    if fmt not in CONTENT_TYPES or review.status not in (
        ContractReview.Status.READY,
        ContractReview.Status.SIGNED_OFF,
    ):
        raise Http404("No such file")
    content = bytes(getattr(review, fmt) or b"")
    if not content:
        raise Http404("No such file")
    suffix = "" if review.is_frozen else "-draft"
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{review.filename_stem}{suffix}.{fmt}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
