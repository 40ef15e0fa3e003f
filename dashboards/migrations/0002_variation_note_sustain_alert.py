"""VariationNote and SustainAlert move from measures to dashboards, keeping their rows.

The tables were made by measures 0007. Here dashboards takes the two models over in the
migration state only (the tables stay as they are), then renames the tables to dashboards'
names; measures 0013 drops the models from measures' state only. Their content types move
app too, so any permission given on them still applies. Reversible.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("variationnote", "sustainalert")


def content_types_move(from_app, to_app):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        types = ContentType.objects.using(schema_editor.connection.alias)
        for model in MODELS:
            if not types.filter(app_label=to_app, model=model).exists():
                types.filter(app_label=from_app, model=model).update(app_label=to_app)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("collaboratives", "0007_edit_versions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dashboards", "0001_initial"),
        ("measures", "0012_collaborative_measure_direction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SustainAlert",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "period_start",
                            models.DateField(
                                help_text="The first period of the concerning signal."
                            ),
                        ),
                        ("rule", models.CharField(blank=True, max_length=20)),
                        (
                            "status",
                            models.CharField(
                                blank=True, help_text="The chart's verdict then.", max_length=20
                            ),
                        ),
                        ("message", models.CharField(max_length=500)),
                        ("raised_at", models.DateTimeField()),
                        ("emailed_to", models.EmailField(blank=True, max_length=254)),
                        ("emailed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "cleared_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Set when the chart no longer shows the signal.",
                                null=True,
                            ),
                        ),
                        (
                            "series",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sustain_alerts",
                                to="measures.series",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sustain_alerts",
                                to="collaboratives.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "measures_sustainalert",
                        "ordering": ["-raised_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["team", "cleared_at"], name="sustain_alert_team_open"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("series", "period_start"),
                                name="sustain_alert_once_per_signal",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="VariationNote",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("reason", "The team's reason"),
                                    ("judgement", "Faculty's judgement"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("case_mix", "Case mix (the patients are different)"),
                                    ("size", "Size (few patients, or a very large unit)"),
                                    ("local_cause", "A known local cause"),
                                    ("other", "Something else"),
                                ],
                                max_length=12,
                            ),
                        ),
                        (
                            "judgement",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("warranted", "Warranted variation"),
                                    ("unwarranted", "Unwarranted variation"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("text", models.TextField()),
                        (
                            "window_start",
                            models.DateField(
                                blank=True, help_text="The funnel's window.", null=True
                            ),
                        ),
                        ("window_end", models.DateField(blank=True, null=True)),
                        ("created_at", models.DateTimeField()),
                        (
                            "collaborative_measure",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="variation_notes",
                                to="measures.collaborativemeasure",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="variation_notes",
                                to="collaboratives.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "measures_variationnote",
                        "ordering": ["collaborative_measure_id", "team_id", "-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["collaborative_measure", "team"],
                                name="variation_note_team",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("judgement", ""),
                                        ("kind", "reason"),
                                        (
                                            "reason__in",
                                            ["case_mix", "size", "local_cause", "other"],
                                        ),
                                    ),
                                    models.Q(
                                        ("judgement__in", ["warranted", "unwarranted"]),
                                        ("kind", "judgement"),
                                        ("reason", ""),
                                    ),
                                    _connector="OR",
                                ),
                                name="variation_note_kind_fields",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("text", ""), _negated=True),
                                name="variation_note_text_given",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # The rows stay; the tables take dashboards' names.
        migrations.AlterModelTable(name="sustainalert", table=None),
        migrations.AlterModelTable(name="variationnote", table=None),
        migrations.RunPython(
            content_types_move("measures", "dashboards"),
            content_types_move("dashboards", "measures"),
        ),
    ]
