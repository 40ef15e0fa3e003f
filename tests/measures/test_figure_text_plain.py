"""Text people typed reaches a chart's hover labels as plain text: Plotly reads a little
HTML in them (a link, bold), so its own < > & travel as entities, shown as themselves."""

import datetime as dt

from measures import spc
from measures.data import SeriesInput
from measures.figures import Marker, figure, plain
from measures.recompute import charts_compute

START = dt.date(2024, 1, 1)
LINK = '<a href="https://example.invalid/x">click me</a> & <b>bold</b>'
SHOWN = '&lt;a href="https://example.invalid/x"&gt;click me&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'


def stored(y):
    x = [(START + dt.timedelta(weeks=i)).isoformat() for i in range(len(y))]
    inp = SeriesInput(
        series_id=1,
        spec=spc.SeriesSpec(chart="i", y=y, labels=x),
        error="",
        x=x,
        numerator=list(y),
        denominator=[None] * len(y),
        annotations=[],
        inputs_hash="h",
        multiplier=1,
    )
    return charts_compute([inp])[0]


def test_plain_writes_plotlys_markup_characters_as_entities():
    assert plain(LINK) == SHOWN
    assert plain("Falls < 5 per ward") == "Falls &lt; 5 per ward"
    assert plain("Bedside huddle") == "Bedside huddle"


def test_annotations_cycles_and_notes_reach_the_hover_as_plain_text():
    result = stored([10, 12, 11, 9, 10, 13, 11, 10, 12, 9, 11, 10])
    note = Marker(START + dt.timedelta(weeks=2), LINK)
    cycle = Marker(START + dt.timedelta(weeks=3), "<i>huddle</i>")

    fig = figure(result, title="Falls", unit="<b>per ward</b>", annotations=[note], cycles=[cycle])

    by_name = {t["name"]: t for t in fig["data"]}
    assert by_name["Annotations"]["text"] == [SHOWN]
    assert by_name["PDSA cycles"]["text"] == ["&lt;i&gt;huddle&lt;/i&gt;"]
    notes = [row[2] for row in by_name["Value"]["customdata"]]
    assert notes[2] == SHOWN and "<a " not in "".join(notes)
    assert fig["layout"]["yaxis"]["title"]["text"] == "&lt;b&gt;per ward&lt;/b&gt;"
