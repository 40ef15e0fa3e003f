"""The report's charts as vector drawings, from the document's (disclosed) data.

Each chart is laid out once as a list of drawing operations in millimetres (`Plot`),
then drawn twice: with fpdf2's own primitives into the PDF (`draw_pdf`: vector, in the
report's fonts, fast enough for an AHSN with a hundred charts) and as SVG for the HTML
page (`to_svg`: presentation attributes only, so the strict CSP allows it inline).
Colours are Making Data Count's (measures/figures.py). Suppressed periods and teams are
simply not drawn: the document has no value for them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from html import escape

from measures.figures import BLUE, GREY, INK, ORANGE, POINT_COLOURS, PURPLE, RED

NHS_BLUE = "#005eb8"
GRID = "#d8dde0"
SIZE = 2.6  # mm of text height for 7.5 pt


@dataclass
class Plot:
    width: float
    height: float
    title: str
    ops: list[tuple] = field(default_factory=list)

    def line(self, points, colour=INK, width=0.3, dash=None):
        pts = [(x, y) for x, y in points if x is not None and y is not None]
        if len(pts) >= 2:
            self.ops.append(("line", pts, colour, width, dash))

    def dot(self, x, y, r, fill, stroke="#ffffff"):
        self.ops.append(("dot", x, y, r, fill, stroke))

    def rect(self, x, y, w, h, fill):
        self.ops.append(("rect", x, y, w, h, fill))

    def text(self, x, y, s, *, size=7.0, colour=INK, anchor="start", bold=False, rotate=0):
        self.ops.append(("text", x, y, s, size, colour, anchor, bold, rotate))


# --- Scales ---------------------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 0.5 and len(ticks) < 20:
        ticks.append(round(v, 10))
        v += step
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    ticks = []
    for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10**k
            if lo <= v <= hi:
                ticks.append(v)
    return ticks


def tick_label(v: float, step: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    places = 0
    while places < 3 and abs(step * 10**places - round(step * 10**places)) > 1e-9:
        places += 1
    return f"{v:.{places}f}"


@dataclass
class Axes:
    """Maps data to the plot area; draws the grid, axes and tick labels."""

    plot: Plot
    left: float
    top: float
    right: float
    bottom: float
    x0: float
    x1: float
    y0: float
    y1: float
    xlog: bool = False

    def x(self, v):
        if v is None:
            return None
        if self.xlog:
            v, a, b = math.log10(v), math.log10(self.x0), math.log10(self.x1)
        else:
            a, b = self.x0, self.x1
        return self.left + (v - a) / (b - a) * (self.right - self.left)

    def y(self, v):
        if v is None or not math.isfinite(v):
            return None
        y = self.bottom - (v - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)
        return y

    def clip(self, points):
        """Points inside the vertical range (limits can run off a chart of rates)."""
        return [(x, y if y is not None and self.top - 0.5 <= y <= self.bottom + 0.5 else None)
                for x, y in points]  # fmt: skip

    def frame(self, yticks, ylabel: str):
        p = self.plot
        step = (yticks[1] - yticks[0]) if len(yticks) > 1 else 1
        for v in yticks:
            y = self.y(v)
            p.line([(self.left, y), (self.right, y)], GRID, 0.15)
            p.text(self.left - 1.2, y + 0.9, tick_label(v, step), anchor="end", size=6.5)
        p.line(
            [(self.left, self.top), (self.left, self.bottom), (self.right, self.bottom)], GREY, 0.2
        )
        mid = (self.top + self.bottom) / 2
        p.text(2.2, mid, _short(ylabel, 40), anchor="middle", size=6.5, rotate=90)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _legend(plot: Plot, y: float, items: list[tuple[str, str, str, object]]):
    """items: (kind "line"/"dot", colour, label, dash)."""
    widths = [7 + len(label) * 1.25 + 4 for _, _, label, _ in items]
    x = max(2.0, (plot.width - sum(widths)) / 2)
    for (kind, colour, label, dash), w in zip(items, widths, strict=True):
        if kind == "line":
            plot.line([(x, y - 0.8), (x + 5, y - 0.8)], colour, 0.35, dash)
        else:
            plot.dot(x + 2.5, y - 0.8, 0.8, colour)
        plot.text(x + 6.5, y, label, size=6.5)
        x += w


# --- The three charts -----------------------------------------------------------------------


def _y_title(measure: dict) -> str:
    if measure["unit"]:
        return measure["unit"]
    chart = (measure.get("chart") or {}).get("chart", "")
    return "Days between events" if chart.startswith(("G ", "T ")) else "Value"


def _period_label(iso: str, monthly: bool) -> str:
    day = dt.date.fromisoformat(iso)
    return day.strftime("%b %y") if monthly else day.strftime("%d %b")


def aggregate_plot(measure: dict, *, width: float = 180, height: float = 64) -> Plot:
    chart = measure["chart"]
    points = chart["points"]
    plot = Plot(width, height, f"{measure['name']}: the whole collaborative by period")
    values = [v for p in points for v in (p["y"], p["cl"], p["lcl"], p["ucl"]) if v is not None]
    if chart.get("target") is not None:
        values.append(chart["target"])
    if not values:
        values = [0.0, 1.0]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.06 or 1
    # Rates and counts never go below zero: nor does the axis (a limit at zero stays on it).
    yticks = nice_ticks(max(lo - pad, 0) if lo >= 0 else lo - pad, hi + pad)
    n = len(points)
    ax = Axes(plot, 14, 3, width - 3, height - 14, -0.5, max(n - 0.5, 0.5), yticks[0], yticks[-1])
    ax.frame(yticks, _y_title(measure))
    monthly = all(p["x"].endswith("-01") for p in points)
    step = max(1, math.ceil(n / 13))
    for i in range(0, n, step):
        plot.text(ax.x(i), ax.bottom + 3.6, _period_label(points[i]["x"], monthly),
                  anchor="middle", size=6.3)  # fmt: skip
    for key, colour, width_, dash in (("ucl", GREY, 0.25, (1.2, 0.8)),
                                      ("lcl", GREY, 0.25, (1.2, 0.8)),
                                      ("cl", INK, 0.3, None)):  # fmt: skip
        _segments(plot, ax, [(i, p[key]) for i, p in enumerate(points)], colour, width_, dash)
    if chart.get("target") is not None:
        t = ax.y(chart["target"])
        plot.line([(ax.left, t), (ax.right, t)], RED, 0.35, (2, 1))
    _segments(plot, ax, [(i, p["y"]) for i, p in enumerate(points)], GREY, 0.3, None)
    for i, p in enumerate(points):
        if p["y"] is not None:
            plot.dot(ax.x(i), ax.y(p["y"]), 0.75, POINT_COLOURS.get(p["point_type"], GREY))
    items = [("line", INK, "Centre line", None), ("line", GREY, "Limits", (1.2, 0.8)),
             ("dot", GREY, "Common cause", None), ("dot", BLUE, "Improvement", None),
             ("dot", ORANGE, "Concern", None)]  # fmt: skip
    if any(p["point_type"].startswith("neutral") for p in points):
        items.append(("dot", PURPLE, "Special cause", None))
    if chart.get("target") is not None:
        items.append(("line", RED, "Target", (2, 1)))
    if any(p["suppressed"] for p in points):
        items.append(("dot", "#ffffff", "Gaps: small numbers withheld", None))
    _legend(plot, height - 2.5, items)
    return plot


def _segments(plot, ax, pairs, colour, width, dash):
    """Lines through consecutive points with values; a gap where a value is missing."""
    run = []
    for i, v in pairs:
        y = ax.y(v) if v is not None else None
        if y is None:
            plot.line(run, colour, width, dash)
            run = []
        else:
            run.append((ax.x(i), y))
    plot.line(run, colour, width, dash)


def funnel_plot(measure: dict, *, width: float = 180, height: float = 66) -> Plot:
    funnel = measure["funnel"]
    plot = Plot(width, height, f"{measure['name']}: teams compared over the period")
    units = [u for u in funnel["units"] if u["x"] and u["rate"] is not None]
    xs = funnel["xs"]
    x0 = min([xs[0]] + [u["x"] for u in units])
    x1 = max([xs[-1]] + [u["x"] for u in units])
    if x1 <= x0:
        x1 = x0 * 2 or 1
    xlog = x1 / max(x0, 1e-9) > 20
    rates = [u["rate"] for u in units] + [funnel["target"]]
    inner = [v for v in funnel["curves"]["lcl95"] + funnel["curves"]["ucl95"] if v is not None]
    lo = min(rates + ([min(inner)] if inner else []))
    hi = max(rates + ([max(inner)] if inner else []))
    outer = [v for v in funnel["curves"]["lcl998"] + funnel["curves"]["ucl998"] if v is not None]
    if outer:  # show the outer limits too, but not their blow-up at tiny denominators
        lo = min(lo, sorted(outer)[len(outer) // 10])
        hi = max(hi, sorted(outer)[-(len(outer) // 10) - 1])
    pad = (hi - lo) * 0.06 or 1
    yticks = nice_ticks(max(lo - pad, 0) if lo >= 0 else lo - pad, hi + pad)
    ax = Axes(plot, 14, 3, width - 3, height - 17, x0, x1, yticks[0], yticks[-1], xlog)
    ax.frame(yticks, measure["unit"] or "Value")
    xt = log_ticks(x0, x1) if xlog else nice_ticks(x0, x1, 6)
    step = (xt[1] - xt[0]) if len(xt) > 1 else 1
    for v in xt:
        if x0 <= v <= x1:
            plot.text(ax.x(v), ax.bottom + 3.6, tick_label(v, step), anchor="middle", size=6.3)
    plot.text((ax.left + ax.right) / 2, ax.bottom + 7.6, _short(funnel["x_title"], 110),
              anchor="middle", size=6.5)  # fmt: skip
    for level, colour, dash in (("998", INK, (1.2, 0.8)), ("95", GREY, (0.4, 0.6))):
        for side in ("lcl", "ucl"):
            pts = [(ax.x(x), ax.y(v)) for x, v in zip(xs, funnel["curves"][side + level],
                                                        strict=True)]  # fmt: skip
            run = []
            for x, y in ax.clip(pts):
                if y is None:
                    plot.line(run, colour, 0.25, dash)
                    run = []
                else:
                    run.append((x, y))
            plot.line(run, colour, 0.25, dash)
    t = ax.y(funnel["target"])
    plot.line([(ax.left, t), (ax.right, t)], RED, 0.35)
    drawn = []
    for u in units:
        out = u["outside"] in ("above", "below")
        y = ax.y(u["rate"])
        if y is None or not (ax.top - 1 <= y <= ax.bottom + 1):
            continue
        plot.dot(ax.x(u["x"]), y, 0.8, ORANGE if out else NHS_BLUE)
        drawn.append((u, ax.x(u["x"]), y, out))
    _funnel_labels(plot, ax, drawn)
    _legend(
        plot,
        height - 2.5,
        [
            ("line", RED, "All teams", None),
            ("line", GREY, "95% limits", (0.4, 0.6)),
            ("line", INK, "99.8% limits", (1.2, 0.8)),
            ("dot", NHS_BLUE, "Team", None),
            ("dot", ORANGE, "Team outside 99.8%", None),
        ],  # fmt: skip
    )
    return plot


LABEL_SIZE = 5.4  # pt
MM_PER_PT = 0.3528


def _funnel_labels(plot: Plot, ax, drawn: list[tuple]) -> None:
    """Every drawn team named beside its point, never over another team's point
    (`measures.labels.place_labels`, in millimetres); the teams outside the 99.8% limits
    are placed first. A name with no free place is left to the table below the plot."""
    from measures.labels import place_labels

    texts = [_short(u["label"], 30) for u, *_ in drawn]
    h = LABEL_SIZE * MM_PER_PT
    sizes = [(len(t) * LABEL_SIZE * MM_PER_PT * 0.55 + 0.6, h + 0.4) for t in texts]
    order = sorted(range(len(drawn)), key=lambda i: (not drawn[i][3], i))
    placed = place_labels(
        [(x, y) for _, x, y, _ in drawn],
        sizes,
        bounds=(ax.left, ax.top, ax.right, ax.bottom),
        clearance=1.0,
        gap=0.9,
        order=order,
    )
    for (_, x, y, _), text, spot, (w, bh) in zip(drawn, texts, placed, sizes, strict=True):
        if spot is None:
            continue
        cx, cy = x + spot.dx, y + spot.dy
        if spot.leader:
            # from the point to the nearest edge of the label's box
            ex = min(max(x, cx - w / 2), cx + w / 2)
            ey = min(max(y, cy - bh / 2), cy + bh / 2)
            plot.line([(x, y), (ex, ey)], GREY, 0.15)
        plot.text(cx, cy + h * 0.35, text, size=LABEL_SIZE, anchor="middle")


def assessment_plot(distribution: list[dict], *, width: float = 180, height: float = 40) -> Plot:
    plot = Plot(width, height, "Teams by their latest score on the IHI assessment scale")
    counts = [d["teams"] for d in distribution]
    yticks = nice_ticks(0, max(counts + [1]) * 1.15, 4)
    ax = Axes(plot, 14, 3, width - 3, height - 10, -0.5, len(counts) - 0.5, 0, yticks[-1])
    ax.frame(yticks, "Teams")
    for i, d in enumerate(distribution):
        x = ax.x(i)
        if d["teams"]:
            top = ax.y(d["teams"])
            plot.rect(x - 4.5, top, 9, ax.bottom - top, NHS_BLUE)
            plot.text(x, top - 0.8, str(d["teams"]), anchor="middle", size=6.5, bold=True)
        plot.text(x, ax.bottom + 3.4, f"{d['score']:.1f}", anchor="middle", size=6.5)
    plot.text((ax.left + ax.right) / 2, height - 1.5,
              "Score on the IHI scale (latest rating in the period)", anchor="middle",
              size=6.5)  # fmt: skip
    return plot


def document_plots(document: dict) -> dict[str, Plot]:
    """Every chart of the document, keyed `agg-<collaborative>-<measure>`,
    `funnel-<collaborative>-<measure>` and `assess-<collaborative>`."""
    plots = {}
    for c in document["collaboratives"]:
        for m in c["measures"]:
            if m["chart"]:
                plots[f"agg-{c['id']}-{m['id']}"] = aggregate_plot(m)
            if m["funnel"]:
                plots[f"funnel-{c['id']}-{m['id']}"] = funnel_plot(m)
        if c["assessment"]["rated"]:
            plots[f"assess-{c['id']}"] = assessment_plot(c["assessment"]["distribution"])
    return plots


# --- Backends -------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def draw_pdf(pdf, plot: Plot, x0: float, y0: float, *, font: str = "DejaVu") -> None:
    """Draw the plot with its top left corner at (x0, y0) mm, with fpdf2's primitives."""
    for op in plot.ops:
        kind = op[0]
        if kind == "line":
            _, pts, colour, width, dash = op
            pdf.set_draw_color(*_rgb(colour))
            pdf.set_line_width(width)
            pdf.set_dash_pattern(*(dash or (0, 0)))
            pdf.polyline([(x0 + x, y0 + y) for x, y in pts])
            pdf.set_dash_pattern()
        elif kind == "dot":
            _, x, y, r, fill, stroke = op
            pdf.set_fill_color(*_rgb(fill))
            pdf.set_draw_color(*_rgb(stroke if fill != "#ffffff" else GREY))
            pdf.set_line_width(0.15)
            pdf.ellipse(x0 + x - r, y0 + y - r, 2 * r, 2 * r, style="DF")
        elif kind == "rect":
            _, x, y, w, h, fill = op
            pdf.set_fill_color(*_rgb(fill))
            pdf.rect(x0 + x, y0 + y, w, h, style="F")
        elif kind == "text":
            _, x, y, s, size, colour, anchor, bold, rotate = op
            pdf.set_font(font, "B" if bold else "", size)
            pdf.set_text_color(*_rgb(colour))
            w = pdf.get_string_width(s)
            shift = {"start": 0, "middle": w / 2, "end": w}[anchor]
            if rotate:
                with pdf.rotation(rotate, x0 + x, y0 + y):
                    pdf.text(x0 + x - shift, y0 + y, s)
            else:
                pdf.text(x0 + x - shift, y0 + y, s)
    pdf.set_text_color(*_rgb(INK))
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*_rgb(INK))


def to_svg(plot: Plot, *, label: str | None = None) -> str:
    """The plot as an inline SVG element (presentation attributes, no style attributes)."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {plot.width:.1f} {plot.height:.1f}"'
        f' class="collab-report-chart" role="img" aria-label="{escape(label or plot.title)}"'
        ' font-family="Frutiger W01, Arial, Helvetica, sans-serif">'
    ]
    for op in plot.ops:
        kind = op[0]
        if kind == "line":
            _, pts, colour, width, dash = op
            d = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
            dash_attr = f' stroke-dasharray="{dash[0]} {dash[1]}"' if dash else ""
            out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" '
                       f'stroke-width="{width}"{dash_attr}/>')  # fmt: skip
        elif kind == "dot":
            _, x, y, r, fill, stroke = op
            edge = stroke if fill != "#ffffff" else GREY
            out.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r}" fill="{fill}" '
                       f'stroke="{edge}" stroke-width="0.15"/>')  # fmt: skip
        elif kind == "rect":
            _, x, y, w, h, fill = op
            out.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                       f'fill="{fill}"/>')  # fmt: skip
        elif kind == "text":
            _, x, y, s, size, colour, anchor, bold, rotate = op
            px = size * 0.3528  # pt to mm
            transform = f' transform="rotate(-{rotate} {x:.2f} {y:.2f})"' if rotate else ""
            weight = ' font-weight="bold"' if bold else ""
            out.append(f'<text x="{x:.2f}" y="{y:.2f}" font-size="{px:.2f}" fill="{colour}" '
                       f'text-anchor="{anchor}"{weight}{transform}>{escape(s)}</text>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)
