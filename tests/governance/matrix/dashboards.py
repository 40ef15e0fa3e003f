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
    # A: rows for the portfolio names of dashboards/urls.py, in this block.
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

    # B: rows for the other names of dashboards/urls.py, in this block.
    # The collaborative's dashboard and its partials: whoever may see the collaborative.
    "dashboard_collaborative": {
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
    # A lazily loaded section of it (a page of its own without htmx).
    "dashboard_collaborative_aggregate": {
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
    # A lazily loaded section of it (a page of its own without htmx).
    "dashboard_collaborative_funnel": {
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
    # A lazily loaded section of it (a page of its own without htmx).
    "dashboard_collaborative_multiples": {
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
    # My team: the team's people and those who run, teach or oversee it; not peers.
    "dashboard_team": {
        "object": "team",
        "does": "view",
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "peer":         (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_collab": (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_ahsn":   (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "withdrawn":    (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "missing":      (405, 405, 405, 405, 405, 405, 405, 405,   L),
        },
    },
    # One measure's chart on it (`series_pk` is the team's own series).
    "dashboard_team_panel": {
        "object": "team",
        "does": "view",
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "peer":         (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_collab": (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_ahsn":   (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "withdrawn":    (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "missing":      (405, 405, 405, 405, 405, 405, 405, 405,   L),
        },
    },
    # Why a team (`team_pk`: alpha in falls) is outside the funnel limits: its people or
    # those who run the collaborative; an empty reason shows its errors (400).
    "dashboard_variation_note": {
        "object": "collaborative",
        "does": "edit",
        "data": {"kind": "reason"},
        "GET": {
            "own":          (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_collab": (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "other_ahsn":   (405, 405, 405, 405, 405, 405, 405, 405,   L),
            "missing":      (405, 405, 405, 405, 405, 405, 405, 405,   L),
        },
        "POST": {
            "own":          (403, 403, 400, 403, 400, 400, 404, 404,   L),
            "other_collab": (403, 403, 400, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    # added by C1: the faculty's judgement of that variation (RATE): faculty and those who
    # run the collaborative; an empty judgement shows its errors (400).
    "dashboard_variation_note#judgement": {
        "object": "collaborative",
        "does": "edit",
        "data": {"kind": "judgement"},
        "POST": {
            "own":          (403, 403, 400, 400, 403, 403, 403, 404,   L),
            "other_collab": (403, 403, 400, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
}
# fmt: on
