"""The review's three renderings from one document: PDF, XLSX and the HTML page."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from reports.charts import document_plots, to_svg
from reports.pdf import progress_words, summary_measures_words, summary_teams_words


def numbered(document: dict) -> dict:
    """The document with each collaborative's section number (the summary is 1)."""
    for i, c in enumerate(document["collaboratives"], start=2):
        c["_number"] = i
    return document


def signed_info(review) -> dict | None:
    if review.signed_off_at is None:
        return None
    return {"name": review.signed_off_by_name, "at": review.signed_off_at.isoformat()}


def _svg(plots: dict, key: str, label: str | None = None) -> str:
    return to_svg(plots[key], label=label) if key in plots else ""


def _copy_to_annotate(document: dict) -> dict:
    """A copy of the document whose dicts `render_html` adds keys to (the document, each
    collaborative, its target and each measure) are new, the rest shared: the PDF and the
    XLSX read the same document, which must not change (a deep copy of a national
    document took longer than the page's template)."""
    doc = dict(document)
    doc["collaboratives"] = [
        {
            **c,
            "target": dict(c["target"]) if c["target"] else c["target"],
            "measures": [dict(m) for m in c["measures"]],
        }
        for c in document["collaboratives"]
    ]
    return doc


def render_html(review, document: dict, plots: dict) -> str:
    """The accessible version: the same sections as the PDF, charts with tables beside."""
    doc = _copy_to_annotate(document)
    commentary = review.commentary or {}
    for c in doc["collaboratives"]:
        c["number"] = c["_number"]
        c["commentary"] = commentary.get(c["key"], "")
        c["svg_assess"] = _svg(plots, f"assess-{c['id']}")
        if c["target"]:
            c["target"]["progress_words"] = progress_words(
                c["target"]["progress"], c["target"].get("status", "")
            )
        for m in c["measures"]:
            m["svg_agg"] = _svg(
                plots, f"agg-{c['id']}-{m['id']}", m["name"] + ": the whole collaborative by period"
            )
            m["svg_funnel"] = _svg(
                plots, f"funnel-{c['id']}-{m['id']}", m["name"] + ": funnel plot of the teams"
            )
    doc["measures_words"] = summary_measures_words(doc["summary"])
    doc["teams_words"] = summary_teams_words(doc["summary"])
    doc["lessons_number"] = len(doc["collaboratives"]) + 2
    doc["method_number"] = len(doc["collaboratives"]) + 3
    doc["points_text"] = f"{doc['data_versions']['points']:,}"
    doc["versions_text"] = f"{doc['data_versions']['total']:,}"
    return render_to_string(
        "reports/_document.html",
        {
            "review": review,
            "doc": doc,
            "commentary": review.commentary or {},
            "signed": signed_info(review),
            "rendered_at": timezone.now(),
        },
    )


def render_files(review) -> dict:
    """{"pdf": bytes, "xlsx": bytes, "html": str} for the review's document and commentary."""
    from reports.pdf import render_pdf
    from reports.xlsx import render_xlsx

    document = numbered(review.document)
    charts = document_plots(document)
    signed = signed_info(review)
    return {
        "pdf": render_pdf(document, review.commentary or {}, charts, signed=signed),
        "xlsx": render_xlsx(document, signed=signed, commentary=review.commentary or {}),
        "html": render_html(review, document, charts),
    }
