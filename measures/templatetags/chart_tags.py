"""The table that stands beside every chart, for anyone who cannot read the picture.

    {% load chart_tags %}
    {% tablealternative "The numbers" hidden=measure.name label="The numbers of the chart" %}
      <table class="nhsuk-table collab-chart-table">…</table>
    {% endtablealternative %}

wraps the table in `_table_alternative.html`: a scrolling region a keyboard can reach,
inside a details element whose summary is the first argument (or, with no summary, shown
as it is, its caption named by `labelledby`). Every chart, funnel plot, assessment chart
and the report's charts use it, so their tables are reached and read the same way.
"""

from django import template
from django.template.base import token_kwargs
from django.template.loader import render_to_string

register = template.Library()

TEMPLATE = "_table_alternative.html"


class TableAlternativeNode(template.Node):
    def __init__(self, nodelist, summary, options):
        self.nodelist = nodelist
        self.summary = summary
        self.options = options

    def render(self, context):
        values = {key: value.resolve(context) for key, value in self.options.items()}
        values["summary"] = self.summary.resolve(context) if self.summary else ""
        values["table"] = self.nodelist.render(context)
        return render_to_string(TEMPLATE, values)


@register.tag
def tablealternative(parser, token):
    """`{% tablealternative [summary] [hidden=…] [label=…] [labelledby=…] [tight=…]
    [scroll=…] %}…{% endtablealternative %}` (see the module's docstring)."""
    bits = token.split_contents()[1:]
    summary = None
    if bits and "=" not in bits[0]:
        summary = parser.compile_filter(bits.pop(0))
    options = token_kwargs(bits, parser)
    if bits:
        raise template.TemplateSyntaxError(f"tablealternative: unknown arguments {bits}")
    unknown = set(options) - {"hidden", "label", "labelledby", "tight", "scroll"}
    if unknown:
        raise template.TemplateSyntaxError(f"tablealternative: unknown options {unknown}")
    nodelist = parser.parse(("endtablealternative",))
    parser.delete_first_token()
    return TableAlternativeNode(nodelist, summary, options)
