"""What each named URL shows of a collaborative's figures and teams, for the disclosure matrix
(tests/governance/test_disclosure_matrix.py).

Every named URL has an entry, so a new page, partial or export cannot escape the check:
the entry says in words what the URL shows (figures, team names, or neither and why), and
may add `variants`, more requests of the same URL beyond the permission matrix's own GET
(tests/governance/matrix/<app>.py gives the object kind and fixed kwargs):

    {"kwargs": {...}}   other fixed kwargs, such as another export format
    {"query": "..."}    a query string; "@measure" stands for the marker measure's entry,
                        then for the event-dated measure's (each is asked)
    {"kwargs": {"period": "@event"}}  "@event" stands for the date of one of alpha's events
    {"htmx": True}      sent as an htmx request (the partial instead of the page)

A URL with no GET in the permission matrix (a POST-only action) is still listed: what it
answers to the viewers here (a refusal, or a redirect) is requested and checked too.
"""

FIGURES = "figures"  # counts, rates or charts of a team or of the collaborative
NAMES = "names"  # teams' names, and no figures
NEITHER = "neither"  # no team's figures or names

HTMX = {"htmx": True}
PICK = {"query": "measure=@measure"}
PICK_HTMX = {"query": "measure=@measure", "htmx": True}

DISCLOSURE = {
    # collaboratives
    "home": {"shows": NAMES, "what": "the collaboratives one may see and one's teams"},
    "calendar": {"shows": NAMES, "what": "learning events with the teams that attended"},
    "change_package_csv": {"shows": NAMES, "what": "change ideas and the teams testing them"},
    "collaborative": {"shows": NAMES, "what": "the collaborative's teams and set-up"},
    "collaborative_assessments": {"shows": NAMES, "what": "the teams' assessment scores"},
    "collaborative_create": {"shows": NEITHER, "what": "a form for a new collaborative"},
    "collaborative_cycles": {"shows": NAMES, "what": "every team's PDSA cycles"},
    "collaborative_edit": {"shows": NEITHER, "what": "the set-up form"},
    "collaborative_phase": {"shows": NEITHER, "what": "the phase form"},
    "cycle": {"shows": NAMES, "what": "one PDSA cycle and its team"},
    "cycle_archive": {"shows": NEITHER, "what": "POST only: archives a cycle"},
    "cycle_create": {"shows": NAMES, "what": "a new cycle for a team"},
    "cycle_restore": {"shows": NEITHER, "what": "POST only: restores a cycle"},
    "cycle_step": {"shows": NAMES, "what": "one step of a cycle"},
    "design_record": {"shows": NAMES, "what": "the design record"},
    "design_records_compare": {"shows": NAMES, "what": "design records side by side"},
    "driver_diagram": {"shows": NAMES, "what": "the driver diagram with local change ideas"},
    "driver_node_action": {"shows": NEITHER, "what": "POST only: moves a node"},
    "driver_node_edit": {"shows": NEITHER, "what": "a driver node's form"},
    "event_edit": {"shows": NEITHER, "what": "an event's form"},
    "event_attendance": {"shows": NAMES, "what": "who from which team attended an event"},
    "measure_create": {"shows": NEITHER, "what": "a new library measure's form"},
    "measure_set": {"shows": NEITHER, "what": "the measure set"},
    "measure_set_mandatory": {"shows": NEITHER, "what": "POST only: mandatory or not"},
    "measure_set_move": {"shows": NEITHER, "what": "POST only: one place up or down"},
    "measure_set_optional": {"shows": NEITHER, "what": "POST only: mandatory or not"},
    "measure_set_remove": {"shows": NEITHER, "what": "removing a measure: how many series keep"},
    "membership_create": {"shows": NAMES, "what": "adding a person to a team"},
    "membership_end": {"shows": NAMES, "what": "ending a membership"},
    "overdue": {"shows": NAMES, "what": "teams with data overdue"},
    "series_goal": {"shows": NAMES, "what": "a team's goal for a measure"},
    "stretch_target": {"shows": FIGURES, "what": "the stretch target and its history"},
    "team": {"shows": NAMES, "what": "a team's page"},
    "team_assessments": {"shows": NAMES, "what": "a team's assessment scores"},
    "team_change_idea_create": {"shows": NAMES, "what": "a team's own change idea"},
    "team_choose_measure": {"shows": NEITHER, "what": "POST only: adds a measure"},
    "team_consent": {"shows": NEITHER, "what": "POST only: the team's consent to be named"},
    "team_create": {"shows": NAMES, "what": "adding a team (organisations to choose)"},
    "team_measure_create": {"shows": NAMES, "what": "a team's own measure form"},
    "team_restore": {"shows": NEITHER, "what": "POST only: restores a withdrawn team"},
    "team_withdraw": {"shows": NAMES, "what": "withdrawing a team"},
    # measures
    "measures:annotation_add": {"shows": NEITHER, "what": "POST only: a chart annotation"},
    "measures:api_chart": {"shows": FIGURES, "what": "a series' chart (its own team's token)"},
    "measures:api_openapi": {"shows": NEITHER, "what": "the API's schema"},
    "measures:api_points": {"shows": FIGURES, "what": "a series' points (its own team's token)"},
    "measures:api_series": {"shows": FIGURES, "what": "the token's team's series"},
    "measures:api_token_revoke": {"shows": NEITHER, "what": "POST only: revokes a token"},
    "measures:api_tokens": {"shows": NAMES, "what": "a team's API tokens"},
    "measures:cell_history": {
        "shows": FIGURES,
        "what": "every change to one cell",
        "variants": [HTMX, {"kwargs": {"period": "@event"}}],
    },
    "measures:cell_save": {"shows": FIGURES, "what": "POST only: saves a cell, answers it"},
    "measures:collaborative_export": {
        "shows": FIGURES,
        "what": "every team's data as CSV or XLSX",
        "variants": [{"kwargs": {"fmt": "xlsx"}}],
    },
    "measures:completeness": {"shows": NAMES, "what": "teams by month, complete or missing"},
    "measures:event_delete": {
        "shows": NEITHER,
        "what": "POST only: removes a date's events",
        "variants": [{"kwargs": {"period": "@event"}}],
    },
    "measures:event_save": {
        "shows": FIGURES,
        "what": "POST only: records an event, answers the events page on an error",
    },
    "measures:import_answer": {
        "shows": FIGURES,
        "what": "POST only: which team a name means, answers the upload's rows on an error",
    },
    "measures:import_batch": {"shows": FIGURES, "what": "an upload's rows, to its uploader"},
    "measures:import_confirm": {"shows": NEITHER, "what": "POST only: confirms an upload"},
    "measures:import_template": {
        "shows": NAMES,
        "what": "the upload template with the teams' series",
        "variants": [{"kwargs": {"fmt": "xlsx"}}],
    },
    "measures:import_upload": {"shows": NEITHER, "what": "the upload form"},
    "measures:mark_add": {"shows": NEITHER, "what": "POST only: marks a point"},
    "measures:mark_remove": {"shows": NEITHER, "what": "POST only: removes a mark"},
    "measures:phase_add": {"shows": NEITHER, "what": "POST only: a new phase"},
    "measures:phase_remove": {"shows": NEITHER, "what": "POST only: removes a phase"},
    "measures:series_chart": {
        "shows": FIGURES,
        "what": "a series' chart: page, panel, figure JSON, hover text and table",
        "variants": [HTMX],
    },
    "measures:series_export": {
        "shows": FIGURES,
        "what": "a series' data as CSV or XLSX",
        "variants": [{"kwargs": {"fmt": "xlsx"}}, {"query": "sheet=definitions"}],
    },
    "measures:series_grid": {"shows": FIGURES, "what": "one series' row of the grid"},
    "measures:settings_set": {"shows": NEITHER, "what": "POST only: target and direction"},
    "measures:team_export": {
        "shows": FIGURES,
        "what": "a team's data as CSV or XLSX",
        "variants": [{"kwargs": {"fmt": "xlsx"}}],
    },
    "measures:team_grid": {"shows": FIGURES, "what": "a team's data-entry grid"},
    # governance
    "invitation_accept": {"shows": NEITHER, "what": "an invitation's page"},
    "invitation_create": {"shows": NAMES, "what": "the invitation form (teams to invite to)"},
    "invitation_list": {"shows": NAMES, "what": "pending invitations, with their teams"},
    "invitation_revoke": {"shows": NAMES, "what": "confirming an invitation's revocation"},
    "user_deactivate": {"shows": NEITHER, "what": "POST only: deactivates a user"},
    "login": {"shows": NEITHER, "what": "the log-in form"},
    "accounts_login": {"shows": NEITHER, "what": "a redirect to the log-in form"},
    "logout": {"shows": NEITHER, "what": "POST only: logs out"},
    "two_factor_verify": {"shows": NEITHER, "what": "the second step of logging in"},
    "two_factor_setup": {"shows": NEITHER, "what": "setting up two-step verification"},
    "oidc_authentication_init": {"shows": NEITHER, "what": "the single sign-on redirect"},
    "oidc_authentication_callback": {"shows": NEITHER, "what": "the single sign-on return"},
    "password_reset": {"shows": NEITHER, "what": "the password reset form"},
    "password_reset_done": {"shows": NEITHER, "what": "a confirmation"},
    "password_reset_confirm": {"shows": NEITHER, "what": "a new password's form"},
    "password_reset_complete": {"shows": NEITHER, "what": "a confirmation"},
    "accessibility": {"shows": NEITHER, "what": "the accessibility statement"},
    "privacy": {"shows": NEITHER, "what": "the privacy notice"},
    "bench_floor": {"shows": NEITHER, "what": "the benchmark's empty signed-in page"},
    "collaborative_audit": {"shows": FIGURES, "what": "the audit trail, raw figures and all"},
    "ahsn_audit": {"shows": FIGURES, "what": "an AHSN's audit trail"},
    # dashboards
    "dashboard_portfolio": {"shows": FIGURES, "what": "an AHSN's collaboratives, pooled"},
    "dashboard_national": {"shows": FIGURES, "what": "every AHSN's collaboratives, pooled"},
    "dashboard_collaborative_teams": {
        "shows": FIGURES,
        "what": "the teams table",
        "variants": [HTMX],
    },
    "dashboard_collaborative": {
        "shows": FIGURES,
        "what": "the collaborative's dashboard and its measure section",
        "variants": [PICK, {"query": "measure=@measure", "htmx": "measure-section"}],
    },
    "dashboard_collaborative_aggregate": {
        "shows": FIGURES,
        "what": "the chart of the whole collaborative, monthly totals",
        "variants": [PICK, PICK_HTMX],
    },
    "dashboard_collaborative_funnel": {
        "shows": FIGURES,
        "what": "the funnel plot of the teams",
        "variants": [PICK, PICK_HTMX],
    },
    "dashboard_collaborative_multiples": {
        "shows": FIGURES,
        "what": "every team's chart as small multiples",
        "variants": [PICK, PICK_HTMX],
    },
    "dashboard_team": {"shows": FIGURES, "what": "a team's dashboard"},
    "dashboard_team_panel": {
        "shows": FIGURES,
        "what": "one measure's panel on it",
        "variants": [HTMX],
    },
    "dashboard_variation_note": {"shows": NAMES, "what": "POST only: a variation note"},
    # reports
    "review_home": {"shows": NEITHER, "what": "the AHSNs whose reviews one may build"},
    "review_list": {"shows": NEITHER, "what": "an AHSN's contract reviews"},
    "review_detail": {"shows": FIGURES, "what": "a contract review (published figures)"},
    "review_commentary": {"shows": NEITHER, "what": "the commentary form"},
    "review_sign_off": {"shows": NEITHER, "what": "POST only: signs a review off"},
    "review_rebuild": {"shows": NEITHER, "what": "POST only: rebuilds a review"},
    "review_download": {
        "shows": FIGURES,
        "what": "a contract review as PDF or XLSX",
        "variants": [{"kwargs": {"fmt": "xlsx"}}],
    },
}
