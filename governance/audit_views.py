"""The audit trail pages: a collaborative's and an AHSN's, filterable, paged, exportable.

Read through governance/access.py (the AUDIT action: the lead AHSN's director and
improvement managers, national viewers); nothing here changes anything.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from collaboratives.models import Collaborative, Team
from governance import access, audit
from governance.forms import NHSFormMixin, date_field
from measures.exporters.formats import render_csv, render_xlsx

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # rows; a whole AHSN's years fit, a runaway query does not


class AuditFilterForm(NHSFormMixin, forms.Form):
    who = forms.TypedChoiceField(label="Who", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label="What kind of change",
        required=False,
        choices=[("", "Every kind"), *audit.KINDS.items()],
    )
    collaborative = forms.TypedChoiceField(
        label="Collaborative", required=False, coerce=int, empty_value=None
    )
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    since = date_field("From")
    until = date_field("To")

    def __init__(self, *args, collaboratives, teams, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [("", "Anyone"), *actors]
        if len(collaboratives) > 1:
            self.fields["collaborative"].choices = [
                ("", "Every collaborative"),
                *((c.pk, c.name) for c in collaboratives),
            ]
        else:
            del self.fields["collaborative"]
        self.fields["team"].choices = [
            ("", "Every team"),
            *(
                (t.pk, f"{t} ({t.collaborative.name})" if len(collaboratives) > 1 else str(t))
                for t in teams
            ),
        ]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date must be on or after the start date")
        return data


def _trail_page(request: HttpRequest, *, title: str, context: dict, collaboratives, ahsn_id=None):
    """Authorised already: filter, page or export the trail of `collaboratives`."""
    collaboratives = list(collaboratives)
    ids = tuple(c.pk for c in collaboratives)
    teams = (
        Team.objects.filter(collaborative_id__in=ids)
        .select_related("organisation", "collaborative")
        .order_by("collaborative__name", "organisation__name", "unit")
    )
    base = audit.TrailFilter(collaborative_ids=ids, ahsn_id=ahsn_id)
    form = AuditFilterForm(
        request.GET or None,
        collaboratives=collaboratives,
        teams=teams,
        actors=audit.trail_actors(base),
    )
    filters = base
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        chosen = data.get("collaborative")
        filters = audit.TrailFilter(
            collaborative_ids=(chosen,) if chosen else ids,
            # AHSN-wide entries (roles held across the AHSN) belong to no one collaborative.
            ahsn_id=None if chosen else ahsn_id,
            actor_id=data["who"],
            kind=data["kind"],
            since=data["since"],
            until=data["until"],
            team_id=data["team"],
        )
    keys = audit.trail(filters)

    fmt = request.GET.get("format")
    if fmt:
        return _export(keys, fmt, title)

    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context.update(
        form=form,
        page=page,
        rows=audit.trail_rows(page.object_list),
        query=query.urlencode(),
        many_collaboratives=len(collaboratives) > 1,
    )
    template = "governance/audit.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _export(keys, fmt: str, title: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format")
    header = [
        "When",
        "Who",
        "From",
        "Kind",
        "Action",
        "What",
        "Collaborative",
        "Team",
        "Field",
        "Before",
        "After",
        "Reason",
        "Detail",
    ]

    def lines():
        yield header
        for start in range(0, EXPORT_LIMIT, 1000):
            chunk = list(keys[start : start + 1000])
            for row in audit.trail_rows(chunk):
                when = timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")
                common = [when, row.who, row.source, row.kind, row.action, row.what]
                common += [row.collaborative, row.team]
                # One line per changed field, so a spreadsheet can filter on any of them.
                for label, before, after in row.changes or [("", "", "")]:
                    yield [*common, label, before, after, row.reason, row.detail]
            if len(chunk) < 1000:
                break

    stamp = timezone.localdate().isoformat()
    filename = f"audit-trail-{_slug(title)}-{stamp}.{fmt}"
    if fmt == "csv":
        content, content_type = render_csv(lines()), "text/csv; charset=utf-8"
    else:
        content = render_xlsx([("Audit trail", lines())])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:60] or "trail"


@login_required
def collaborative_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what in one collaborative, and when."""
    collaborative = access.collaborative_for(request.user, pk, access.AUDIT)
    try:
        whole_ahsn = access.ahsn_for_audit(request.user, collaborative.lead_ahsn_id)
    except Http404:
        whole_ahsn = None
    return _trail_page(
        request,
        title=collaborative.name,
        context={"collaborative": collaborative, "ahsn": None, "whole_ahsn": whole_ahsn},
        collaboratives=[collaborative],
    )


@login_required
def ahsn_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what across every collaborative an AHSN leads, and its AHSN-wide roles."""
    ahsn = access.ahsn_for_audit(request.user, pk)
    collaboratives = Collaborative.objects.filter(lead_ahsn=ahsn).order_by("name")
    return _trail_page(
        request,
        title=ahsn.current_name,
        context={"collaborative": None, "ahsn": ahsn},
        collaboratives=collaboratives,
        ahsn_id=ahsn.pk,
    )
