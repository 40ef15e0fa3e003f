"""Exporters keep rows apart from file formats.

An exporter has an `identifier`, a `verbose_name`, `sheets()` (named lists of rows, the
first row the header) and `render(fmt)` -> (filename, content type, bytes). The formats
live in `measures.exporters.formats` and neutralise any text a spreadsheet would run.
"""

from measures.exporters.data import MeasureDataExporter

__all__ = ["MeasureDataExporter"]
