"""Shows the permission and disclosure matrices' case counts at the end of every run, CI logs
included."""

MATRIX_PROPERTY = "permission_cases"
DISCLOSURE_PROPERTY = "disclosure_cases"


def pytest_terminal_summary(terminalreporter):
    totals = {MATRIX_PROPERTY: 0, DISCLOSURE_PROPERTY: 0}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        if report.when != "call":
            continue
        for k, v in report.user_properties:
            if k in totals:
                totals[k] += v
    if totals[MATRIX_PROPERTY]:
        terminalreporter.write_sep("-", "permission matrix")
        terminalreporter.write_line(f"{totals[MATRIX_PROPERTY]} permission cases")
    if totals[DISCLOSURE_PROPERTY]:
        terminalreporter.write_sep("-", "disclosure matrix")
        terminalreporter.write_line(f"{totals[DISCLOSURE_PROPERTY]} disclosure cases")
