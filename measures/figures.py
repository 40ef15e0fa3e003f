"""A stored chart result as a Plotly figure dict, in the Making Data Count look.

No request objects and no Plotly import: the figure is plain data, tested as a dict and
passed to the page with `json_script` (static/js/charts.js draws it).

Colours follow NHS England's Making Data Count: common cause grey, improvement blue,
concern orange, target red; neutral special cause (no direction) purple.
"""

import datetime as dt
import html
import math
from dataclasses import dataclass

from measures.numbers import number_text
from measures.spc import ChartKind
from measures.spc.charts import period_unit

GREY = "#7b7d7d"
BLUE = "#289de0"
ORANGE = "#fab428"
RED = "#de1b1b"
PURPLE = "#361475"
INK = "#212b32"  # NHS.UK text colour
POINT_COLOURS = {
    "common_cause": GREY,
    "improvement": BLUE,
    "concern": ORANGE,
    "neutral_high": PURPLE,
    "neutral_low": PURPLE,
}
POINT_WORDS = {
    "common_cause": "Common cause",
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral_high": "Special cause: high",
    "neutral_low": "Special cause: low",
}
RULE_WORDS = {
    "outside_limits": "outside the limits",
    "trend": "a trend",
    "two_of_three": "two of three near a limit",
    "shift": "a shift",
    "inner_third": "too close to the centre",
    "astronomical": "astronomical point",
    "runs": "a long run",
}


@dataclass(frozen=True)
class Marker:
    """A PDSA cycle or an annotation shown on the chart."""

    date: dt.date
    text: str


def _scale(values, k):
    return [None if v is None else v * k for v in values]


def _round(v, digits=4):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return round(v, digits)


def _rounded(values, digits=4) -> list:
    """`_round` of each value, in one pass: a figure rounds every point of every line, and
    the recompute builds 43,000 figures at national scale. A value equal to the one before
    it (a centre line or limit held through a phase) reuses its rounding; zero never does,
    since -0.0 equals 0.0 but is written otherwise, nor a value of another type (1 and 1.0)."""
    isfinite = math.isfinite
    out = []
    append = out.append
    last = last_rounded = None
    for v in values:
        if v is None:
            append(None)
        elif v == last and v and v.__class__ is last.__class__:
            append(last_rounded)
        else:
            last = v
            last_rounded = None if isinstance(v, float) and not isfinite(v) else round(v, digits)
            append(last_rounded)
    return out


def _segments(x, values, phase):
    """One line per phase: values with a gap (None) where a phase ends, and only there.

    A period without a value (a week not reported) is left out rather than drawn as a
    gap, so a phase's line runs unbroken from its first point to its last.
    """
    xs, ys = [], []
    for i, r in enumerate(_rounded(values)):
        if i and phase[i] != phase[i - 1] and ys and ys[-1] is not None:
            xs.append(x[i])
            ys.append(None)
        if r is None:
            continue
        xs.append(x[i])
        ys.append(r)
    return xs, ys


def plain(text: str) -> str:
    """Text people typed, for a figure: Plotly reads a little HTML in labels and hover text
    (<a href>, <b>, <br>), so the text's own <, > and & go as entities, which Plotly shows
    as the characters themselves: a typed link is shown, never made clickable."""
    return html.escape(str(text), quote=False)


def _varies_within_phases(values, phase) -> bool:
    """Whether a limit moves from point to point inside a phase (P and U charts whose
    denominators differ), rather than holding one level per phase."""
    rounded = _rounded(values)
    return any(
        phase[i] == phase[i - 1] and rounded[i] != rounded[i - 1]
        for i in range(1, len(values))
        if values[i] is not None and values[i - 1] is not None
    )


TITLE_LINE = 22  # characters: a longer axis title wraps, so a 320 px chart shows it whole


def axis_title(unit: str, chart: str) -> str:
    """The value axis's title: the measure's unit ("%" spelt out), else what the chart
    type counts; long titles are wrapped onto lines (Plotly's <br>), the unit's own text
    kept plain (`plain`)."""
    unit = (unit or "").strip()
    if unit == "%":
        return "Percentage (%)"
    if not unit:
        kind = ChartKind.of(chart)
        return kind.axis_title if kind else "Value"
    unit = unit[0].upper() + unit[1:]
    words = unit.split()
    if len(unit) <= TITLE_LINE or len(words) == 1:
        return plain(unit)
    # Two lines as even as can be ("per 1,000 / occupied bed days"), else as many as needed.
    halves = min(
        ((" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))),
        key=lambda pair: max(map(len, pair)),
    )
    if max(map(len, halves)) <= TITLE_LINE:
        return "<br>".join(map(plain, halves))
    lines, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > TITLE_LINE:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(map(plain, [*lines, line]))


def point_rows(result, *, multiplier: int, annotations=()) -> list[dict]:
    """The same numbers as the chart, one row per period, for the table and the hover."""
    notes: dict[str, list[str]] = {}
    for note in annotations:
        notes.setdefault(note.date.isoformat(), []).append(note.text)
    excluded, astronomical = set(result.excluded), set(result.astronomical)
    rows = []
    for i, day in enumerate(result.x):
        y = result.y[i]
        rows.append(
            {
                "date": dt.date.fromisoformat(day),
                "numerator": result.numerator[i],
                "denominator": result.denominator[i],
                "value": None if y is None else y * multiplier,
                "cl": None if result.cl[i] is None else result.cl[i] * multiplier,
                "lcl": None if result.lcl[i] is None else result.lcl[i] * multiplier,
                "ucl": None if result.ucl[i] is None else result.ucl[i] * multiplier,
                "point_type": result.point_type[i],
                "signal": POINT_WORDS[result.point_type[i]]
                + (
                    f" ({RULE_WORDS.get(result.rule[i], result.rule[i])})" if result.rule[i] else ""
                ),
                "excluded": i in excluded,
                "astronomical": i in astronomical,
                "phase": result.phase[i],
                "notes": notes.get(day, []),
            }
        )
    return rows


def _reference_line(result) -> float | None:
    """The verdict's baseline centre line, when the chart as drawn does not show it after the
    baseline (no phases and a baseline shorter than the series, or a later phase with its
    own centre line); None when the drawn centre line already is it."""
    centre = getattr(result, "verdict_centre", None)
    start = getattr(result, "verdict_baseline", None)
    if centre is None or start is None:
        return None
    after = [c for c in result.cl[start:] if c is not None]
    if all(math.isclose(c, centre, rel_tol=1e-9, abs_tol=1e-12) for c in after):
        return None
    return centre


def baseline_words(result, *, joined_on: dt.date | None) -> str:
    """Which baseline the verdict compares with, in one sentence for the chart page."""
    points = getattr(result, "verdict_baseline", None)
    if not points or not result.x:
        return ""
    unit = period_unit(result.x)
    name = unit[0] if points == 1 else unit[1]
    first = dt.date.fromisoformat(result.x[0])
    last = dt.date.fromisoformat(result.x[min(points, len(result.x)) - 1])
    if unit[0] in ("month", "quarter"):
        span = f"{first:%b %Y} to {last:%b %Y}"
    else:
        span = f"{first.day} {first:%b %Y} to {last.day} {last:%b %Y}"
    phases = max(result.phase, default=0) > 0
    frozen = not all(result.baseline) and not phases
    before = sum(1 for day in result.x if joined_on and dt.date.fromisoformat(day) < joined_on)
    if phases or frozen:
        what = "the first phase" if phases else "the frozen limits"
        return f"The verdict compares with {what}: the first {points} {name} ({span})."
    if before and points == before:
        return f"The verdict compares with the {points} {name} before the team joined ({span})."
    text = (
        f"The verdict compares with the first {points} {name} ({span}), the fewest that are "
        "enough data for a baseline"
    )
    if before:
        few = unit[0] if before == 1 else unit[1]
        text += f"; the {before} {few} before the team joined were too few"
    return text + "."


#: Bump when `stored_figure` changes what it stores: a stored figure of another version is
#: never served; `served` builds that result's figure on the fly instead (the next
#: recompute stores the new one).
FIGURE_VERSION = 1


def figure(
    result,
    *,
    title: str,
    unit: str = "",
    multiplier: int = 1,
    annotations=(),
    cycles=(),
) -> dict:
    """The Plotly figure of a `ChartResult`, built now, its hover showing the result's own
    numerators and denominators (`served` is the page's way in: it takes the stored figure
    and lets the disclosure layer decide what a viewer sees).

    `annotations` and `cycles` are `Marker`s (date, text); `multiplier` turns the core's
    rates into the shown values (per 1,000 bed days...).
    """
    return _dressed(
        stored_figure(result, multiplier=multiplier),
        result,
        title=title,
        unit=unit,
        counts=count_texts(result),
        annotations=annotations,
        cycles=cycles,
    )


def served(
    result,
    view,
    *,
    title: str,
    unit: str = "",
    multiplier: int = 1,
    annotations=(),
    cycles=(),
) -> dict:
    """The figure of `result` as one viewer may see it: `figure`'s, from the figure stored
    with the result when there is one of this version and multiplier (else built now).

    `view` (governance.disclosure.ChartView, for the viewer and the measure) gives the hover's
    numerators and denominators; the title, the axis named by `unit`, the notes and the
    PDSA cycles are added here, never stored, since they change without a recompute.
    """
    stored = getattr(result, "figure", None)
    if not (
        isinstance(stored, dict)
        and stored.get("version") == FIGURE_VERSION
        and stored.get("multiplier") == multiplier
    ):
        stored = stored_figure(result, multiplier=multiplier)
    return _dressed(
        stored,
        result,
        title=title,
        unit=unit,
        counts=view.hover_counts(result),
        annotations=annotations,
        cycles=cycles,
    )


def count_texts(result) -> list[tuple[str, str]]:
    """Each point's numerator and denominator as the hover writes them."""
    return [
        (number_text(n), number_text(d))
        for n, d in zip(result.numerator, result.denominator, strict=True)
    ]


def _signal(result, i: int, excluded: set) -> str:
    rule = result.rule[i]
    return (
        POINT_WORDS[result.point_type[i]]
        + (f" ({RULE_WORDS.get(rule, rule)})" if rule else "")
        + (" · excluded" if i in excluded else "")
    )


def stored_figure(result, *, multiplier: int = 1) -> dict:
    """What every viewer's figure of `result` shares, fit to store with it (JSON): the
    lines, limits, colours, symbols, phases and in-progress points, on the scale of
    `multiplier`. It holds no numerator or denominator and no text anyone typed: the hover's
    counts and notes, the markers of annotations and PDSA cycles, the title and the axis
    title are added per viewer when it is served (`_dressed`).

    Beside Plotly's ``data`` and ``layout``: ``version`` and ``multiplier`` (what it was
    built with), ``signals`` (each point's signal in words, the hover's last line),
    ``marker_levels`` (the heights of the cycle and annotation markers, above the data)
    and ``markers_at`` (where their traces go among the data).
    """
    k = multiplier
    x = list(result.x)
    kind = ChartKind.of(result.chart)
    is_i = kind == ChartKind.I
    y = [None if v is None else v * k for v in result.y]
    excluded = set(result.excluded)
    value_name = "Value"
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": value_name,
            "x": x,
            "y": _rounded(y),
            "line": {"color": GREY, "width": 1.5},
            "marker": {
                "size": 8,
                "color": [POINT_COLOURS[t] for t in result.point_type],
                "symbol": ["circle-open" if i in excluded else "circle" for i in range(len(x))],
                "line": {
                    "width": 2,
                    "color": [POINT_COLOURS[t] for t in result.point_type],
                },
            },
            "hovertemplate": (
                "%{x|%d %b %Y}: <b>%{y}</b><br>Numerator: %{customdata[0]}"
                "<br>Denominator: %{customdata[1]}<br>%{customdata[3]}"
                "<br>Notes: %{customdata[2]}<extra></extra>"
            ),
            "connectgaps": True,
            # A point on a zero floor shows whole, not cut in half by the axis.
            "cliponaxis": False,
        }
    ]
    pending = in_progress_trace(result, k)
    if pending:
        data.append(pending)
        y = y + pending["y"]
    centre_name = "Median" if result.chart == "run" else "Mean"
    cx, cy = _segments(x, _scale(result.cl, k), result.phase)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": centre_name,
            "x": cx,
            "y": cy,
            "line": {"color": INK, "width": 1.5},
            "hoverinfo": "skip",
        }
    )
    reference = _reference_line(result)
    if reference is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Baseline centre line (what the verdict compares with)",
                "x": [x[0], x[-1]],
                "y": [_round(reference * k)] * 2,
                "line": {"color": INK, "width": 1, "dash": "longdash"},
                "hovertemplate": (
                    f"Baseline centre line: {number_text(reference * k)}<extra></extra>"
                ),
            }
        )
    if any(v is not None for v in result.ucl):
        # A limit that steps every week (P and U charts) broke a dashed line into scattered
        # dashes; stepped limits are drawn solid and thin instead, both alike.
        stepped = any(_varies_within_phases(v, result.phase) for v in (result.ucl, result.lcl))
        for name, values in (("Upper limit", result.ucl), ("Lower limit", result.lcl)):
            lx, ly = _segments(x, _scale(values, k), result.phase)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "legendgroup": "limits",
                    "showlegend": name == "Upper limit",
                    "x": lx,
                    "y": ly,
                    "line": {
                        "color": GREY,
                        "width": 1 if stepped else 1.5,
                        "dash": "solid" if stepped else "dash",
                        "shape": "hv",
                    },
                    "hoverinfo": "skip",
                }
            )
    if result.target is not None and x:
        target = result.target * k
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Target",
                "x": [x[0], x[-1]],
                "y": [_round(target)] * 2,
                "line": {"color": RED, "width": 1.5, "dash": "dot"},
                "hovertemplate": f"Target: {number_text(target)}<extra></extra>",
            }
        )
    finite = [v for v in y + _scale(result.ucl, k) + _scale(result.lcl, k) if v is not None]
    top = max(finite) if finite else 1
    bottom = min(finite) if finite else 0
    if result.target is not None:
        top, bottom = max(top, result.target * k), min(bottom, result.target * k)
    span = (top - bottom) or abs(top) or 1
    # Both rows of markers sit above the data, so they never push the axis below zero.
    marker_levels = [_round(top + 0.08 * span), _round(top + 0.16 * span)]
    markers_at = len(data)
    shapes = []
    for phase in result.phases[1:]:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x[phase["start"]],
                "x1": x[phase["start"]],
                "y0": 0.38 if is_i else 0,
                "y1": 1,
                "line": {"color": INK, "width": 1, "dash": "dot"},
            }
        )
    layout = {
        "font": {"family": "Frutiger W01, Arial, sans-serif", "color": INK, "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 50, "r": 16, "t": 16, "b": 40},
        "showlegend": True,
        # Above the plot: below it, the legend covered the dates on a narrow chart.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest",
        # automargin: the margins grow to fit the dates and the axis title, never clip them.
        "xaxis": {
            "type": "date",
            "showgrid": False,
            "linecolor": GREY,
            "ticks": "outside",
            "automargin": True,
        },
        "yaxis": {
            "gridcolor": "#e8edee",
            "zeroline": False,
            "automargin": True,
            # counts, proportions, rates and gaps between events are never negative (a run
            # or I chart may measure a change, which can be)
            "rangemode": "nonnegative" if kind and kind.is_count else "normal",
        },
        "shapes": shapes,
    }
    if is_i:
        data.extend(_moving_range_traces(result, x))
        layout["yaxis"]["domain"] = [0.38, 1]
        layout["yaxis2"] = {
            "domain": [0, 0.26],
            "title": {"text": "Moving range"},
            "gridcolor": "#e8edee",
            "zeroline": False,
            "rangemode": "tozero",
        }
        layout["xaxis2"] = {
            "type": "date",
            "anchor": "y2",
            "matches": "x",
            "showgrid": False,
            "automargin": True,
        }
        layout["xaxis"]["anchor"] = "y"
        layout["xaxis"]["showticklabels"] = False
    return {
        "version": FIGURE_VERSION,
        "multiplier": k,
        "data": data,
        "layout": layout,
        "signals": [_signal(result, i, excluded) for i in range(len(x))],
        "marker_levels": marker_levels,
        "markers_at": markers_at,
    }


def _dressed(stored, result, *, title, unit, counts, annotations, cycles) -> dict:
    """A viewer's figure from a stored one (left unchanged): the value trace's hover (the
    `counts` given, the notes of `annotations`, the signals), the markers of `cycles` and
    `annotations`, the title and the axis title."""
    notes: dict[str, list[str]] = {}
    for note in annotations:
        notes.setdefault(note.date.isoformat(), []).append(note.text)
    data = list(stored["data"])
    data[0] = {
        **data[0],
        "customdata": [
            [num, den, "<br>".join(plain(n) for n in notes.get(day, ())) or "–", signal]
            for day, (num, den), signal in zip(result.x, counts, stored["signals"], strict=True)
        ],
    }
    # customdata goes before the hover template, where the figure has always had it
    data[0] = {key: data[0][key] for key in _VALUE_KEYS if key in data[0]}
    x = result.x
    marker_rows = (
        ("PDSA cycle", cycles, "triangle-up", BLUE, stored["marker_levels"][0]),
        ("Annotation", annotations, "diamond", INK, stored["marker_levels"][1]),
    )
    at = stored["markers_at"]
    for name, markers, symbol, colour, level in marker_rows:
        markers = [m for m in markers if x and x[0] <= m.date.isoformat() <= x[-1]]
        if markers:
            data.insert(
                at,
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": name + "s",
                    "x": [m.date.isoformat() for m in markers],
                    "y": [level] * len(markers),
                    "marker": {"symbol": symbol, "size": 11, "color": colour},
                    "text": [plain(m.text) for m in markers],
                    "hovertemplate": f"{name}, %{{x|%d %b %Y}}:<br>%{{text}}<extra></extra>",
                },
            )
            at += 1
    layout = stored["layout"]
    # The panel's heading names the chart; a title inside would repeat it.
    layout = {
        "meta": {"title": title},
        **layout,
        "xaxis": dict(layout["xaxis"]),
        "yaxis": {"title": {"text": axis_title(unit, result.chart)}, **layout["yaxis"]},
    }
    return {"data": data, "layout": layout}


_VALUE_KEYS = (
    "type",
    "mode",
    "name",
    "x",
    "y",
    "line",
    "marker",
    "customdata",
    "hovertemplate",
    "connectgaps",
    "cliponaxis",
)


def in_progress_trace(result, k) -> dict | None:
    """The points entered after the latest complete period: hollow, grey and labelled "in
    progress", outside the lines and limits, since the statistics never saw them."""
    pending = [p for p in (getattr(result, "in_progress", None) or []) if p["y"] is not None]
    if not pending:
        return None
    return {
        "type": "scatter",
        "mode": "markers+text",
        "name": "In progress",
        "x": [p["x"] for p in pending],
        "y": [_round(p["y"] * k) for p in pending],
        # Only the last is labelled: weekly charts often have two, whose labels overlapped.
        "text": [""] * (len(pending) - 1) + ["in progress"],
        # Leftwards from the point: centred on the last period, it ran off the chart's edge.
        "textposition": "top left",
        "textfont": {"color": GREY, "size": 11},
        "marker": {"size": 8, "symbol": "circle-open", "color": GREY, "line": {"width": 2}},
        "hovertemplate": (
            "%{x|%d %b %Y}: <b>%{y}</b><br>In progress: not counted until the period is "
            "complete<extra></extra>"
        ),
    }


def in_progress_rows(result, *, multiplier: int) -> list[dict]:
    """The in-progress points as table rows (date, numerator, denominator, shown value)."""
    return [
        {
            "date": dt.date.fromisoformat(p["x"]),
            "numerator": p["numerator"],
            "denominator": p["denominator"],
            "value": None if p["y"] is None else p["y"] * multiplier,
        }
        for p in (getattr(result, "in_progress", None) or [])
    ]


def _moving_range_traces(result, x) -> list[dict]:
    phase_of = result.phase
    mr_cl = [result.phases[p]["mr_cl"] for p in phase_of]
    mr_ucl = [result.phases[p]["mr_ucl"] for p in phase_of]
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Moving range",
            "x": x,
            "y": _rounded(result.mr),
            "xaxis": "x2",
            "yaxis": "y2",
            "line": {"color": GREY, "width": 1},
            "marker": {"size": 5, "color": GREY},
            "hovertemplate": "%{x|%d %b %Y}: moving range %{y}<extra></extra>",
        }
    ]
    for name, values, dash in (
        ("Average moving range", mr_cl, "solid"),
        ("Moving range limit", mr_ucl, "dash"),
    ):
        sx, sy = _segments(x, values, phase_of)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "showlegend": False,
                "x": sx,
                "y": sy,
                "xaxis": "x2",
                "yaxis": "y2",
                "line": {"color": INK if dash == "solid" else GREY, "width": 1, "dash": dash},
                "hoverinfo": "skip",
            }
        )
    return traces


#: Making Data Count's variation icon describes the latest point only: `words()` labels it so
#: ("Latest month: common cause"), beside the verdict, which reads the whole series.
VARIATION_WORDS = {
    "common_cause": "common cause",
    "improvement_high": "special cause, improvement (high)",
    "improvement_low": "special cause, improvement (low)",
    "concern_high": "special cause, concern (high)",
    "concern_low": "special cause, concern (low)",
    "neutral_high": "special cause, higher (no direction of improvement set)",
    "neutral_low": "special cause, lower (no direction of improvement set)",
}
ASSURANCE_WORDS = {
    "pass": "The process will consistently meet the target",
    "fail": "The process will not meet the target without change",
    "hit_or_miss": "The process will hit or miss the target at random",
}
STATUS_WORDS = {
    "improved": "Improved",
    "deteriorated": "Deteriorated",
    "not_sustained": "Not sustained",
    "no_change": "No change",
    "insufficient_data": "Not enough data yet",
}
CONVENTION_WORDS = {
    "mdc": "NHS England Making Data Count rules",
    "anhoej": "Anhøj rules (qicharts2)",
    "ihi": "IHI run chart rules (Perla, Provost and Murray)",
}


def words(result) -> dict:
    """The plain-words labels of a stored result's icons, verdict, chart and convention."""
    variation = VARIATION_WORDS.get(result.variation, "")
    if variation:
        variation = f"Latest {period_unit(result.x or [])[0]}: {variation}"
    return {
        "variation": variation,
        "assurance": ASSURANCE_WORDS.get(result.assurance, ""),
        "status": STATUS_WORDS.get(result.status, result.status),
        "convention": CONVENTION_WORDS.get(result.convention, result.convention),
        "chart": kind.short_label if (kind := ChartKind.of(result.chart)) else result.chart,
        "rule": RULE_WORDS.get(result.verdict_rule, ""),
    }
