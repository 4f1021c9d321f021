"""Helpers for the consent tests: read a pupil's derived state, dates around the 16th birthday."""

from datetime import date

from consentry.consent.services import Verdict, consent_overview
from consentry.schools.models import Pupil
from tests.world import make_user


def verdict(pupil: Pupil, number: int, on: date | None = None) -> Verdict:
    return consent_overview(Pupil.objects.filter(pk=pupil.pk), on=on)[pupil.pk][number]


def verdicts(pupil: Pupil, on: date | None = None) -> dict[int, Verdict]:
    return consent_overview(Pupil.objects.filter(pk=pupil.pk), on=on)[pupil.pk]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def sixteenth_birthday(pupil: Pupil) -> date:
    dob = pupil.date_of_birth
    try:
        return dob.replace(year=dob.year + 16)
    except ValueError:
        return date(dob.year + 16, 3, 1)


def give_account(pupil: Pupil, email: str):
    user = make_user(email, f"{pupil.given_name} (own account)")
    pupil.account = user
    pupil.save(update_fields=["account"])
    return user
