"""Expected answers for the dashboards app's URLs. See tests/governance/matrix/__init__.py.

Columns, in ROLES order: national viewer, AHSN director (east), improvement manager (east),
faculty (falls), trust lead (alpha, and withdrawn omega), team member (alpha, and omega),
peer-team lead (beta), outsider (signed in, no role), anonymous. L: 302 to the log-in page.
Targets: see tests/governance/matrix/world.py.
"""

from tests.governance.matrix import LOGIN as L  # noqa: F401 (for the rows to come)

# fmt: off
#                    national director manager faculty lead member beta_lead outsider anon
MATRIX = {
    # A: rows for dashboards/urls_portfolio.py's names, in this block.

    # B: rows for dashboards/urls_pages.py's names, in this block.
}
# fmt: on
