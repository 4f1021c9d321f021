"""`consentry create_api_token --school <id or BRIN> --name NAME`: make a school's API token.

The token is printed once: only its hash is stored, so it cannot be shown again. A school
with dependances shares its BRIN; name one as BRIN plus dependance code (e.g. 12AB01).
"""

from django.core.management.base import BaseCommand, CommandError

from consentry.api.models import ApiToken
from consentry.schools.models import School


def find_school(value: str) -> School:
    """The school with this id, BRIN, or BRIN plus dependance code; CommandError if none."""
    value = value.strip()
    if not value:
        raise CommandError("Give the school's id or BRIN with --school.")
    if value.isdigit():
        school = School.objects.filter(pk=int(value)).first()
        if school is None:
            raise CommandError(f"No school with id {value}.")
        return school
    code = value.upper()
    if len(code) == 6:
        schools = list(School.objects.filter(brin__iexact=code[:4], dependance__iexact=code[4:]))
    else:
        schools = list(School.objects.filter(brin__iexact=code))
        if len(schools) > 1:
            main = [s for s in schools if not s.dependance]
            if len(main) != 1:
                options = ", ".join(f"{s.brin}{s.dependance} (id {s.pk})" for s in schools)
                raise CommandError(
                    f"BRIN {code} matches several schools: {options}. Name one by its id."
                )
            schools = main
    if not schools:
        raise CommandError(f"No school with id or BRIN {value!r}.")
    return schools[0]


class Command(BaseCommand):
    help = "Make an API token for one school; the token is printed once and never again."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="the school's id or BRIN")
        parser.add_argument(
            "--name", required=True, help="what the token is for, e.g. 'website' or 'photo gate'"
        )

    def handle(self, *args, school: str, name: str, **options):
        found = find_school(school)
        name = name.strip()
        if not name:
            raise CommandError("Give the token a name with --name (what it is for).")
        max_length = ApiToken._meta.get_field("name").max_length or 100
        if len(name) > max_length:
            raise CommandError(f"The name is too long: at most {max_length} characters.")
        row, token = ApiToken.issue(found, name)
        self.stdout.write(f"API token {row.name!r} (id {row.pk}) for {found} (id {found.pk}):")
        self.stdout.write(token)
        self.stdout.write(
            "Store it now: it is shown only this once (only its hash is kept). "
            "Send it as the header 'Authorization: Bearer <token>'."
        )
