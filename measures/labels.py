"""Where to print the names beside a plot's points, so that no name covers another point.

Used by the funnel plots (the dashboards' Plotly figure and the report's vector drawing):
every team's point is labelled, and a label, above all the viewer's own team's, must never
be printed over another team's point, where it would hide it or seem to name it.

`place_labels` works in display units (pixels or millimetres, y up or down: it only needs
them consistent) and is pure, so it is tested on hand-placed points.

Steps, for each label in priority order (the first is placed first and so gets the best
spot):

1. try the box's centre at each of eight positions around the point (right, left, above,
   below, then the diagonals), at the nearest distance first and then further out (a
   label further out is drawn with a leader line to its point);
2. keep the first box that lies inside the plot, clears every other point by `clearance`
   and overlaps no label already placed;
3. when no position is free, the label is left off the plot (None): the point keeps its
   hover text and its row in the table, which every funnel has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The eight directions tried around a point, best first: beside it reads most naturally.
DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
# How far out a label may go, as multiples of the nearest distance.
REACH = (1.0, 2.0, 3.0, 4.5, 6.5)


@dataclass(frozen=True)
class Placed:
    """A label's box centre as an offset from its point (dx, dy), and whether the label is
    far enough from its point to need a leader line."""

    dx: float
    dy: float
    leader: bool


def _overlaps(a, b) -> bool:
    """Boxes as (left, bottom, right, top)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    points: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float] | None],
    *,
    bounds: tuple[float, float, float, float],
    clearance: float,
    gap: float,
    order: Sequence[int] | None = None,
    reach: Sequence[float] = REACH,
    reaches: Sequence[Sequence[float] | None] | None = None,
) -> list[Placed | None]:
    """An offset for each label's box centre, or None where no free place was found.

    `points` are the anchors; `sizes` each label's (width, height), None for a point without
    a label; `bounds` the plot area (x0, y0, x1, y1); `clearance` how far a label keeps
    from every other point (about a marker's radius); `gap` the space between a point and
    its own label; `order` the priority (default: as given); `reach` how far out a label
    may go, or `reaches` for each label (None: `reach`), so that only the names that matter
    most (the viewer's own team) are drawn far out on a long leader line.
    """
    x0, x1 = sorted((bounds[0], bounds[2]))
    y0, y1 = sorted((bounds[1], bounds[3]))
    placed_boxes: list[tuple[float, float, float, float]] = []
    out: list[Placed | None] = [None] * len(points)
    for i in order if order is not None else range(len(points)):
        size = sizes[i]
        if size is None:
            continue
        w, h = size
        px, py = points[i]
        own_reach = (reaches[i] if reaches is not None else None) or reach
        for k, factor in enumerate(own_reach):
            found = None
            for ux, uy in DIRECTIONS:
                dx = ux * (w / 2 + gap * factor)
                dy = uy * (h / 2 + gap * factor)
                cx, cy = px + dx, py + dy
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if box[0] < x0 or box[2] > x1 or box[1] < y0 or box[3] > y1:
                    continue
                near = (
                    box[0] - clearance,
                    box[1] - clearance,
                    box[2] + clearance,
                    box[3] + clearance,
                )
                if any(
                    j != i and near[0] <= qx <= near[2] and near[1] <= qy <= near[3]
                    for j, (qx, qy) in enumerate(points)
                ):
                    continue
                if any(_overlaps(box, other) for other in placed_boxes):
                    continue
                found = (dx, dy, box)
                break
            if found is not None:
                dx, dy, box = found
                placed_boxes.append(box)
                out[i] = Placed(dx=dx, dy=dy, leader=k > 0)
                break
    return out
