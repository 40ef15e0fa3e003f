"""VariationNote and SustainAlert now belong to dashboards (dashboards 0002 took them over
with their rows): drop them from measures' migration state only, touching no table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_variation_note_sustain_alert"),
        ("measures", "0012_collaborative_measure_direction"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SustainAlert"),
                migrations.DeleteModel(name="VariationNote"),
            ],
            database_operations=[],
        ),
    ]
