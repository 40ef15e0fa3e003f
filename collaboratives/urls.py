from django.urls import path

from collaboratives import views

urlpatterns = [
    path("collaboratives/new/", views.collaborative_create, name="collaborative_create"),
    path("collaboratives/<int:pk>/", views.collaborative_detail, name="collaborative"),
    path("collaboratives/<int:pk>/edit/", views.collaborative_edit, name="collaborative_edit"),
    path("collaboratives/<int:pk>/phase/", views.collaborative_phase, name="collaborative_phase"),
    path("collaboratives/<int:pk>/target/", views.stretch_target, name="stretch_target"),
    path("collaboratives/<int:pk>/measures/", views.measure_set, name="measure_set"),
    path("collaboratives/<int:pk>/measures/new/", views.measure_create, name="measure_create"),
    path(
        "collaboratives/<int:pk>/measures/<int:entry_pk>/mandatory/",
        views.measure_set_mandatory,
        name="measure_set_mandatory",
    ),
    path(
        "collaboratives/<int:pk>/measures/<int:entry_pk>/optional/",
        views.measure_set_optional,
        name="measure_set_optional",
    ),
    path(
        "collaboratives/<int:pk>/measures/<int:entry_pk>/move/",
        views.measure_set_move,
        name="measure_set_move",
    ),
    path(
        "collaboratives/<int:pk>/measures/<int:entry_pk>/remove/",
        views.measure_set_remove,
        name="measure_set_remove",
    ),
    path("collaboratives/<int:pk>/overdue/", views.overdue, name="overdue"),
    path("collaboratives/<int:pk>/teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/withdraw/", views.team_withdraw, name="team_withdraw"),
    path("teams/<int:pk>/restore/", views.team_restore, name="team_restore"),
    path("teams/<int:pk>/consent/", views.team_consent, name="team_consent"),
    path("teams/<int:pk>/people/new/", views.membership_create, name="membership_create"),
    path(
        "teams/<int:pk>/people/<int:membership_pk>/left/",
        views.membership_end,
        name="membership_end",
    ),
    path("teams/<int:pk>/measures/choose/", views.team_choose_measure, name="team_choose_measure"),
    path("teams/<int:pk>/measures/new/", views.team_measure_create, name="team_measure_create"),
    path("series/<int:pk>/goal/", views.series_goal, name="series_goal"),
]

urlpatterns += [
    path("teams/<int:pk>/cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/archive/", views.cycle_archive, name="cycle_archive"),
    path("cycles/<int:pk>/restore/", views.cycle_restore, name="cycle_restore"),
    path("cycles/<int:pk>/<slug:step>/", views.cycle_step, name="cycle_step"),
    path(
        "collaboratives/<int:pk>/cycles/", views.collaborative_cycles, name="collaborative_cycles"
    ),
]

urlpatterns += [
    path("collaboratives/<int:pk>/driver-diagram/", views.driver_diagram, name="driver_diagram"),
    path(
        "collaboratives/<int:pk>/change-package.csv",
        views.change_package_csv,
        name="change_package_csv",
    ),
    path(
        "collaboratives/<int:pk>/driver-diagram/<int:node_pk>/edit/",
        views.driver_node_edit,
        name="driver_node_edit",
    ),
    path(
        "collaboratives/<int:pk>/driver-diagram/<int:node_pk>/<slug:action>/",
        views.driver_node_action,
        name="driver_node_action",
    ),
]

urlpatterns += [
    path("collaboratives/<int:pk>/design/", views.design_record, name="design_record"),
    path("design-records/", views.design_records_compare, name="design_records_compare"),
]

urlpatterns += [
    path("teams/<int:pk>/assessments/", views.team_assessments, name="team_assessments"),
    path(
        "collaboratives/<int:pk>/assessments/",
        views.collaborative_assessments,
        name="collaborative_assessments",
    ),
]

urlpatterns += [
    path("collaboratives/<int:pk>/calendar/", views.calendar, name="calendar"),
    path(
        "collaboratives/<int:pk>/calendar/<int:event_pk>/",
        views.event_attendance,
        name="event_attendance",
    ),
    path(
        "collaboratives/<int:pk>/calendar/<int:event_pk>/edit/",
        views.event_edit,
        name="event_edit",
    ),
]

urlpatterns += [
    path(
        "teams/<int:pk>/change-ideas/new/",
        views.team_change_idea_create,
        name="team_change_idea_create",
    ),
]
