"""The first end date of a project (backfilled from the current one), whether adults may
appear in its material, and who else appears in each item of material ("" for material
from before this question: not stated, so not covered until the uploader says it)."""

from django.db import migrations, models
from django.db.models import F


def backfill_first_end_date(apps, schema_editor):
    Project = apps.get_model("research", "Project")
    Project.objects.filter(first_ends_on__isnull=True).update(first_ends_on=F("ends_on"))


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="first_ends_on",
            field=models.DateField(
                editable=False,
                null=True,
                help_text="The end date the project was created with; a later one needs a reason.",
                verbose_name="first end date",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="adults_may_appear",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "For example the teacher who is coached. Only adults who each agreed; "
                    "without this, material in which adults appear is not covered."
                ),
                verbose_name="adults may appear in the material",
            ),
        ),
        migrations.AddField(
            model_name="material",
            name="others",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "not stated yet"),
                    ("nobody", "nobody else: every person in it is a pupil ticked above"),
                    ("adults", "also adults, each of whom agreed to appear in it"),
                    (
                        "untagged",
                        "also others: a child who is not in the list, an adult who did not "
                        "agree, or someone I do not know",
                    ),
                ],
                default="",
                max_length=10,
                verbose_name="who else appears in it",
            ),
        ),
        migrations.RunPython(backfill_first_end_date, migrations.RunPython.noop),
    ]
