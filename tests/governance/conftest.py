"""Shows the permission matrix's case count at the end of every run, CI logs included."""

MATRIX_PROPERTY = "permission_cases"


def pytest_terminal_summary(terminalreporter):
    total = 0
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        if report.when != "call":
            continue
        total += sum(v for k, v in report.user_properties if k == MATRIX_PROPERTY)
    if total:
        terminalreporter.write_sep("-", "permission matrix")
        terminalreporter.write_line(f"{total} permission cases")
