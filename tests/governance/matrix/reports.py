"""Expected answers for the reports app's URLs. See tests/governance/matrix/__init__.py.

Columns, in ROLES order: national viewer, AHSN director (east), improvement manager (east),
faculty (falls), trust lead (alpha, and withdrawn omega), team member (alpha, and omega),
peer-team lead (beta), outsider (signed in, no role), anonymous. L: 302 to the log-in page.
Targets: see tests/governance/matrix/world.py.
"""

from tests.governance.matrix import LOGIN as L

# Only the AHSN's directors reach its contract reviews (EXPORT_REVIEW). The world's reviews
# are built (ready, with a PDF) but carry no document, so the commentary page sends the
# director back to the review (302) and signing off answers 404: there is nothing to sign.
# fmt: off
OWN_ONLY_DIRECTOR = {
    "own":          (404, 200, 404, 404, 404, 404, 404, 404,   L),
    "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
    "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
}
OWN_DIRECTOR_REDIRECTED = {
    "own":          (404, 302, 404, 404, 404, 404, 404, 404,   L),
    "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
    "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
}
NO_ONE = {
    "own":          (404, 404, 404, 404, 404, 404, 404, 404,   L),
    "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
    "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
}
POST_ONLY = {
    "own":          (405, 405, 405, 405, 405, 405, 405, 405,   L),
    "other_ahsn":   (405, 405, 405, 405, 405, 405, 405, 405,   L),
    "missing":      (405, 405, 405, 405, 405, 405, 405, 405,   L),
}

#                    national director manager faculty lead member beta_lead outsider anon
MATRIX = {
    # D: rows for reports/urls.py's names.
    "review_home": {
        "object": "none",
        "does": "view",
        "GET": {"-":     (404, 302, 404, 404, 404, 404, 404, 404,   L)},
        "POST": {"-":    (404, 302, 404, 404, 404, 404, 404, 404,   L)},
    },
    "review_list": {
        "object": "ahsn",
        "does": "view; POST asks for a new review (a build)",
        "data": {"period_start": "2024-01-01", "period_end": "2024-12-31"},
        "GET": OWN_ONLY_DIRECTOR,
        "POST": OWN_DIRECTOR_REDIRECTED,
    },
    "review_detail": {
        "object": "review",
        "does": "view",
        "GET": OWN_ONLY_DIRECTOR,
        "POST": OWN_ONLY_DIRECTOR,
    },
    "review_commentary": {
        "object": "review",
        "does": "edit",
        "data": {"summary": "A year of work."},
        "GET": OWN_DIRECTOR_REDIRECTED,
        "POST": OWN_DIRECTOR_REDIRECTED,
    },
    "review_sign_off": {
        "object": "review",
        "does": "edit (freezes the report)",
        "data": {"confirm": "on"},
        "GET": POST_ONLY,
        "POST": NO_ONE,
    },
    "review_rebuild": {
        "object": "review",
        "does": "edit (builds the draft again)",
        "GET": POST_ONLY,
        "POST": OWN_DIRECTOR_REDIRECTED,
    },
    "review_download": {
        "object": "review",
        "does": "export",
        "kwargs": {"fmt": "pdf"},
        "GET": OWN_ONLY_DIRECTOR,
        "POST": OWN_ONLY_DIRECTOR,
    },
}
# fmt: on
