"""The contract review's funnel plots: every team named, a table of the figures in the PDF as in
the HTML, an x-axis that says what it counts, and only published figures (the report leaves
the collaborative)."""

import re

import pytest

from governance import disclosure
from reports.charts import document_plots
from tests.reports.test_report import build, demo, pdf_text  # noqa: F401 (demo is a fixture)

pytestmark = pytest.mark.django_db


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_each_funnel_in_the_pdf_has_its_figures_as_a_table(
    demo,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    text = _squash(pdf_text(review))
    funnels = [
        m["funnel"] for c in review.document["collaboratives"] for m in c["measures"] if m["funnel"]
    ]
    assert funnels
    assert "Against the limits" in text
    for funnel in funnels:
        x_title = funnel["x_title"]
        assert " over the " in x_title or " in " in x_title, x_title
        assert _squash(x_title[:1].lower() + x_title[1:]) in text
        for unit in funnel["units"]:
            assert _squash(unit["label"])[:20] in text
            published = [unit["numerator"], unit["denominator"]]
            assert all(re.fullmatch(r"[\d,.]+|\*", v) for v in published), published


def test_the_report_plots_name_every_team_drawn(demo, django_capture_on_commit_callbacks):  # noqa: F811
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    plots = document_plots(review.document)
    symbol = disclosure.rules().symbol
    for c in review.document["collaboratives"]:
        for m in c["measures"]:
            if not m["funnel"]:
                continue
            plot = plots[f"funnel-{c['id']}-{m['id']}"]
            texts = {op[3] for op in plot.ops if op[0] == "text"}
            drawn = [u for u in m["funnel"]["units"] if not u["suppressed"]]
            named = [u for u in drawn if any(u["label"][:12] in t for t in texts)]
            # a handful of teams: every one drawn is named beside its point
            assert len(named) == len(drawn), (m["name"], len(named), len(drawn))
            for u in m["funnel"]["units"]:
                if u["suppressed"]:
                    assert u["numerator"] == symbol and u["x"] is None
