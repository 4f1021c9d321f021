"""The first end date is required once every project has one (0002 filled it in); a
migration of its own, so that on PostgreSQL the table is altered after the backfill's
transaction has committed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0002_first_end_date_and_others"),
    ]

    operations = [
        migrations.AlterField(
            model_name="project",
            name="first_ends_on",
            field=models.DateField(
                editable=False,
                help_text="The end date the project was created with; a later one needs a reason.",
                verbose_name="first end date",
            ),
        ),
    ]
