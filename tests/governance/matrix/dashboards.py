"""Expected answers for the dashboards app's URLs. See tests/governance/matrix/__init__.py.

Columns, in ROLES order: national viewer, AHSN director (east), improvement manager (east),
faculty (falls), trust lead (alpha, and withdrawn omega), team member (alpha, and omega),
peer-team lead (beta), outsider (signed in, no role), anonymous. L: 302 to the log-in page.
Targets: see tests/governance/matrix/world.py.
"""

from tests.governance.matrix import LOGIN as L

# fmt: off
#                    national director manager faculty lead member beta_lead outsider anon
MATRIX = {
    # A: rows for dashboards/urls_portfolio.py's names, in this block.
    # The portfolio: the AHSN's directors and national viewers; 404 for everyone else.
    "dashboard_portfolio": {
        "object": "ahsn",
        "does": "view",
        "GET": {
            "own":          (200, 200, 404, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_ahsn":   (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "missing":      (405, 405, 405, 405, 405, 405, 405, 405,   L),
        },
    },
    # National: national viewers only.
    "dashboard_national": {
        "object": "none",
        "does": "view",
        "GET": {"-":        (200, 404, 404, 404, 404, 404, 404, 404,   L)},
        "POST": {"-":       (405, 405, 405, 405, 405, 405, 405, 405,   L)},
    },
    # The teams table: whoever may see the collaborative (names follow its sharing terms).
    "dashboard_collaborative_teams": {
        "object": "collaborative",
        "does": "view",
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_collab": (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_ahsn":   (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "missing":      (405, 405, 405, 405, 405, 405, 405, 405,   L),
        },
    },

    # B: rows for dashboards/urls_pages.py's names, in this block.
}
# fmt: on
