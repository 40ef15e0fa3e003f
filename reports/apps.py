from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Contract-review reports"

    def ready(self):
        checks.register(report_fonts_check)


def report_fonts_check(app_configs=None, **kwargs):
    """Warns when the PDF's fonts are missing, at start rather than at the first report."""
    from reports.pdf import font_dir

    try:
        font_dir()
    except ImproperlyConfigured as e:
        return [checks.Warning(str(e), id="reports.W001")]
    return []
