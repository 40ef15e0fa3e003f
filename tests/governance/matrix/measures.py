"""Expected answers for the measures app's URLs. See tests/governance/matrix/__init__.py.

Columns, in ROLES order: national viewer, AHSN director (east), improvement manager (east),
faculty (falls), trust lead (alpha, and withdrawn omega), team member (alpha, and omega),
peer-team lead (beta), outsider (signed in, no role), anonymous. L: 302 to the log-in page.
Targets: see tests/governance/matrix/world.py.
"""

from tests.governance.matrix import LOGIN as L

# fmt: off
#                    national director manager faculty lead member beta_lead outsider anon
MATRIX = {
    "measures:annotation_add": {
        "object": "series",
        "does": "edit",
        "POST": {
            "own":          (403, 403, 400, 403, 400, 400, 404, 404,   L),
            "own_custom":   (404, 403, 400, 403, 400, 400, 404, 404,   L),
            "peer":         (403, 403, 400, 403, 404, 404, 400, 404,   L),
            "other_collab": (403, 403, 400, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:api_chart": {
        "object": "series",
        "does": "view",
        "auth": "token",  # Bearer token of team alpha
        "GET": {
            "own": 200,
            "own_custom": 200,
            "peer": 404,
            "other_collab": 404,
            "other_ahsn": 404,
            "withdrawn": 404,
            "missing": 404,
        },
    },
    "measures:api_openapi": {
        "object": "none",
        "does": "view",
        "auth": "token",  # Bearer token of team alpha
        "GET": {
            "-": 200,
        },
    },
    "measures:api_points": {
        "object": "series",
        "does": "edit",
        "data": {"points": [{"period_start": "2025-01-01", "numerator": 3, "denominator": 1000}]},
        "content_type": "application/json",
        "auth": "token",  # Bearer token of team alpha
        "GET": {
            "own": 200,
            "own_custom": 200,
            "peer": 404,
            "other_collab": 404,
            "other_ahsn": 404,
            "withdrawn": 404,
            "missing": 404,
        },
        "POST": {
            "own": 200,
            "own_custom": 400,
            "peer": 404,
            "other_collab": 404,
            "other_ahsn": 404,
            "withdrawn": 404,
            "missing": 404,
        },
    },
    "measures:api_series": {
        "object": "none",
        "does": "view",
        "auth": "token",  # Bearer token of team alpha
        "GET": {
            "-": 200,
        },
    },
    "measures:api_token_revoke": {
        "object": "team",
        "does": "delete/archive",
        "POST": {
            "own":          (403, 403, 302, 403, 302, 403, 404, 404,   L),
            "peer":         (403, 403, 302, 403, 404, 404, 302, 404,   L),
            "other_collab": (403, 403, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:api_tokens": {
        "object": "team",
        "does": "edit",
        "GET": {
            "own":          (403, 403, 200, 403, 200, 403, 404, 404,   L),
            "peer":         (403, 403, 200, 403, 404, 404, 200, 404,   L),
            "other_collab": (403, 403, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (403, 403, 200, 403, 200, 403, 404, 404,   L),
            "peer":         (403, 403, 200, 403, 404, 404, 200, 404,   L),
            "other_collab": (403, 403, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:cell_history": {
        "object": "series",
        "does": "view",
        "kwargs": {"period": "2024-01-01"},
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "own_custom":   (404, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:cell_save": {
        "object": "series",
        "does": "edit",
        "kwargs": {"period": "2024-01-01"},
        "POST": {
            "own":          (403, 403, 302, 403, 302, 302, 404, 404,   L),
            "own_custom":   (404, 403, 302, 403, 302, 302, 404, 404,   L),
            "peer":         (403, 403, 302, 403, 404, 404, 302, 404,   L),
            "other_collab": (403, 403, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:collaborative_export": {
        "object": "collaborative",
        "does": "export",
        "kwargs": {"fmt": "csv"},
        "GET": {
            "own":          (403, 200, 200, 200, 403, 403, 403, 404,   L),
            "other_collab": (403, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:completeness": {
        "object": "collaborative",
        "does": "view",
        "GET": {
            "own":          (403, 200, 200, 200, 403, 403, 403, 404,   L),
            "other_collab": (403, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:event_save": {
        "object": "series",
        "does": "edit",
        # The world's series are periodic: whoever may edit them is told 404 (no events).
        "POST": {
            "own":          (403, 403, 404, 403, 404, 404, 404, 404,   L),
            "own_custom":   (404, 403, 404, 403, 404, 404, 404, 404,   L),
            "peer":         (403, 403, 404, 403, 404, 404, 404, 404,   L),
            "other_collab": (403, 403, 404, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:event_delete": {
        "object": "series",
        "does": "edit",
        # The world's series are periodic: whoever may edit them is told 404 (no events).
        "kwargs": {"period": "2024-01-01"},
        "POST": {
            "own":          (403, 403, 404, 403, 404, 404, 404, 404,   L),
            "own_custom":   (404, 403, 404, 403, 404, 404, 404, 404,   L),
            "peer":         (403, 403, 404, 403, 404, 404, 404, 404,   L),
            "other_collab": (403, 403, 404, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:import_answer": {
        "object": "import",
        "does": "edit",
        "POST": {
            "own":          (404, 404, 404, 404, 302, 404, 404, 404,   L),
            "other_collab": (404, 404, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:import_batch": {
        "object": "import",
        "does": "view",
        "GET": {
            "own":          (404, 404, 404, 404, 200, 404, 404, 404,   L),
            "other_collab": (404, 404, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:import_confirm": {
        "object": "import",
        "does": "edit",
        "POST": {
            "own":          (404, 404, 404, 404, 302, 404, 404, 404,   L),
            "other_collab": (404, 404, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:import_template": {
        "object": "collaborative",
        "does": "export",
        "kwargs": {"fmt": "csv"},
        "GET": {
            "own":          (403, 403, 200, 403, 200, 200, 200, 404,   L),
            "other_collab": (403, 403, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:import_upload": {
        "object": "collaborative",
        "does": "edit",
        "GET": {
            "own":          (403, 403, 200, 403, 200, 200, 200, 404,   L),
            "other_collab": (403, 403, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (403, 403, 200, 403, 200, 200, 200, 404,   L),
            "other_collab": (403, 403, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:mark_add": {
        "object": "series",
        "does": "edit",
        "POST": {
            "own":          (403, 403, 400, 403, 400, 400, 404, 404,   L),
            "own_custom":   (404, 403, 400, 403, 400, 400, 404, 404,   L),
            "peer":         (403, 403, 400, 403, 404, 404, 400, 404,   L),
            "other_collab": (403, 403, 400, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:mark_remove": {
        "object": "series",
        "does": "delete/archive",
        "POST": {
            "own":          (403, 403, 302, 403, 302, 302, 404, 404,   L),
            "own_custom":   (404, 403, 302, 403, 302, 302, 404, 404,   L),
            "peer":         (403, 403, 302, 403, 404, 404, 302, 404,   L),
            "other_collab": (403, 403, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:phase_add": {
        "object": "series",
        "does": "edit",
        "POST": {
            "own":          (403, 403, 400, 403, 400, 400, 404, 404,   L),
            "own_custom":   (404, 403, 400, 403, 400, 400, 404, 404,   L),
            "peer":         (403, 403, 400, 403, 404, 404, 400, 404,   L),
            "other_collab": (403, 403, 400, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:phase_remove": {
        "object": "series",
        "does": "delete/archive",
        "POST": {
            "own":          (403, 403, 302, 403, 302, 302, 404, 404,   L),
            "own_custom":   (404, 403, 302, 403, 302, 302, 404, 404,   L),
            "peer":         (403, 403, 302, 403, 404, 404, 302, 404,   L),
            "other_collab": (403, 403, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 403, 403, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:series_chart": {
        "object": "series",
        "does": "view",
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "own_custom":   (404, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:series_export": {
        "object": "series",
        "does": "export",
        "kwargs": {"fmt": "csv"},
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "own_custom":   (404, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:series_grid": {
        "object": "series",
        "does": "view",
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "own_custom":   (404, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:settings_set": {
        "object": "series",
        "does": "edit",
        "POST": {
            "own":          (403, 403, 400, 400, 403, 403, 404, 404,   L),
            "own_custom":   (404, 403, 400, 400, 400, 400, 404, 404,   L),
            "peer":         (403, 403, 400, 400, 404, 404, 403, 404,   L),
            "other_collab": (403, 403, 400, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (403, 403, 400, 400, 403, 403, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:team_export": {
        "object": "team",
        "does": "export",
        "kwargs": {"fmt": "csv"},
        "GET": {
            "own":          (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "peer":         (200, 200, 200, 200, 404, 404, 200, 404,   L),
            "other_collab": (200, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (200, 404, 404, 404, 404, 404, 404, 404,   L),
            "withdrawn":    (200, 200, 200, 200, 200, 200, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "measures:team_grid": {
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
    },
}
# fmt: on
