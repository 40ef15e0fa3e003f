"""Expected answers for the governance app's URLs. See tests/governance/matrix/__init__.py.

Columns, in ROLES order: national viewer, AHSN director (east), improvement manager (east),
faculty (falls), trust lead (alpha, and withdrawn omega), team member (alpha, and omega),
peer-team lead (beta), outsider (signed in, no role), anonymous. L: 302 to the log-in page.
Targets: see tests/governance/matrix/world.py.
"""

from tests.governance.matrix import LOGIN as L

# fmt: off
#                    national director manager faculty lead member beta_lead outsider anon
MATRIX = {
    "invitation_accept": {
        "object": "token",
        "does": "edit",
        "GET": {
            "missing":      (410, 410, 410, 410, 410, 410, 410, 410, 410),
        },
        "POST": {
            "missing":      (410, 410, 410, 410, 410, 410, 410, 410, 410),
        },
    },
    "invitation_create": {
        "object": "none",
        "does": "edit",
        "GET": {
            "-":            (403, 200, 200, 403, 200, 403, 200, 403,   L),
        },
        "POST": {
            "-":            (403, 200, 200, 403, 200, 403, 200, 403,   L),
        },
    },
    "invitation_list": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (403, 200, 200, 403, 200, 403, 200, 403,   L),
        },
    },
    # Who could send the invitation may revoke it: GET asks to confirm, POST revokes.
    "invitation_revoke": {
        "object": "invitation",
        "does": "delete/archive",
        "GET": {
            "own":          (404, 200, 200, 404, 200, 404, 404, 404,   L),
            "peer":         (404, 200, 200, 404, 404, 404, 200, 404,   L),
            "other_collab": (404, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
        "POST": {
            "own":          (404, 302, 302, 404, 302, 404, 404, 404,   L),
            "peer":         (404, 302, 302, 404, 404, 404, 302, 404,   L),
            "other_collab": (404, 302, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "user_deactivate": {
        "object": "user",
        "does": "delete/archive",
        "POST": {
            "own":          (404, 302, 302, 404, 302, 404, 404, 404,   L),
            "peer":         (404, 302, 302, 404, 404, 404, 404, 404,   L),
            "other_collab": (404, 302, 302, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    "login": {
        "object": "none",
        "does": "edit",
        "GET": {
            "-":            (302, 302, 302, 302, 302, 302, 302, 302, 200),
        },
        "POST": {
            "-":            (302, 302, 302, 302, 302, 302, 302, 302, 200),
        },
    },
    # Django's default log-in address, which people and tools guess: to ours, for anyone.
    "accounts_login": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (  L,   L,   L,   L,   L,   L,   L,   L,   L),
        },
        "POST": {
            "-":            (  L,   L,   L,   L,   L,   L,   L,   L,   L),
        },
    },
    "logout": {
        "object": "none",
        "does": "delete/archive",
        "POST": {
            "-":            (  L,   L,   L,   L,   L,   L,   L,   L,   L),
        },
    },
    "two_factor_verify": {
        "object": "none",
        "does": "edit",
        # Nobody in the cast has an authenticator yet: the page sends them to set one up.
        "GET": {
            "-":            (302, 302, 302, 302, 302, 302, 302, 302,   L),
        },
        "POST": {
            "-":            (302, 302, 302, 302, 302, 302, 302, 302,   L),
        },
    },
    "two_factor_setup": {
        "object": "none",
        "does": "edit",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200,   L),
        },
        "POST": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200,   L),
        },
    },
    # Single sign-on is not configured in tests: both routes are absent for everyone.
    "oidc_authentication_init": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (404, 404, 404, 404, 404, 404, 404, 404, 404),
        },
    },
    "oidc_authentication_callback": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (404, 404, 404, 404, 404, 404, 404, 404, 404),
        },
    },
    "password_reset": {
        "object": "none",
        "does": "edit",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
        "POST": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
    },
    "password_reset_done": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
    },
    "password_reset_confirm": {
        "object": "token",
        "does": "edit",
        # A link that was never sent shows "this link has expired", to everyone.
        "GET": {
            "missing":      (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
        "POST": {
            "missing":      (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
    },
    "password_reset_complete": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
    },
    "accessibility": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
    },
    "privacy": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200, 200),
        },
    },
    # The benchmark's floor (collab/floor.py): an empty page for anyone signed in.
    "bench_floor": {
        "object": "none",
        "does": "view",
        "GET": {
            "-":            (200, 200, 200, 200, 200, 200, 200, 200,   L),
        },
        "POST": {
            "-":            (405, 405, 405, 405, 405, 405, 405, 405,   L),
        },
    },
    # --- C2: the audit trail (governance/audit_views.py) ------------------------------------
    # The lead AHSN's director and improvement managers read it; those who see the
    # collaborative but are not its AHSN's staff (national viewers too: the trail carries
    # raw figures) are refused (403). Exports are
    # the same URL with ?format=csv or xlsx.
    "collaborative_audit": {
        "object": "collaborative",
        "does": "view/export",
        "GET": {
            "own":          (403, 200, 200, 403, 403, 403, 403, 404,   L),
            "other_collab": (403, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (403, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
    # An AHSN's whole trail: its director and AHSN-wide managers.
    "ahsn_audit": {
        "object": "ahsn",
        "does": "view/export",
        "GET": {
            "own":          (404, 200, 200, 404, 404, 404, 404, 404,   L),
            "other_ahsn":   (404, 404, 404, 404, 404, 404, 404, 404,   L),
            "missing":      (404, 404, 404, 404, 404, 404, 404, 404,   L),
        },
    },
}
# fmt: on
