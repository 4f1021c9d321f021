"""The school and its people: boards, schools, bouwen, stamgroepen, pupils, guardians, staff.

We store only what consent needs. Never a BSN: the pupil administration's pupil number
identifies a pupil within a school.
"""

import re
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

AGE_OF_OWN_CONSENT = 16

# A BRIN code (two digits, two letters) with an optional dependance code (two digits).
BRIN_CODE = re.compile(r"(\d{2}[A-Za-z]{2})(?:-?(\d{2}))?")


def split_brin(code: str) -> tuple[str, str] | None:
    """A school code as (BRIN, dependance): 12AB, 12ab01 and 12AB-01 all name a school.

    The pupil administration writes the main location's dependance as 00 and we store it as
    empty, so that 12AB and 12AB00 are the same school. None when it is not a school code.
    """
    match = BRIN_CODE.fullmatch(code.strip())
    if match is None:
        return None
    return match[1].upper(), "" if match[2] in (None, "00") else match[2]


class Board(models.Model):
    """A schoolbestuur: the legal controller, with a privacy officer for all its schools."""

    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("school board")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    brin = models.CharField(_("BRIN"), max_length=4, blank=True)
    dependance = models.CharField(_("dependance code"), max_length=2, blank=True)
    contact_email = models.EmailField(_("contact address"), blank=True)

    class Meta:
        verbose_name = _("school")
        constraints = [
            models.UniqueConstraint(
                fields=["brin", "dependance"], condition=~Q(brin=""), name="unique_brin_dependance"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A bouw (onderbouw, middenbouw, bovenbouw): several stamgroepen together."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="unique_department")]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A stamgroep in one school year. Last year's groups stay as history."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="groups")
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="groups"
    )
    name = models.CharField(_("name"), max_length=100)
    school_year = models.CharField(_("school year"), max_length=9, help_text="2026-2027")
    source_key = models.CharField(_("key in the pupil administration"), max_length=100, blank=True)
    composed = models.BooleanField(_("composed group"), default=False)

    class Meta:
        verbose_name = _("class group")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "name"], name="unique_group")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"


class PupilQuerySet(models.QuerySet["Pupil"]):
    def current(self) -> "PupilQuerySet":
        return self.filter(left_on__isnull=True)

    def members_of(self, *groups: "Group") -> "PupilQuerySet":
        """Pupils of these stamgroepen, and those who join them as a composed group.

        A union of two index lookups: written as `group OR extra_groups` over a join,
        PostgreSQL would read every pupil in the database to find one class.
        """
        in_group = Pupil.objects.filter(group__in=groups).values("id")
        joined = Pupil.extra_groups.through.objects.filter(group__in=groups).values("pupil_id")
        return self.filter(pk__in=in_group.union(joined, all=True))


class Pupil(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="pupils"
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name_prefix = models.CharField(_("tussenvoegsel"), max_length=30, blank=True)
    family_name = models.CharField(_("family name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    pupil_number = models.CharField(_("pupil number"), max_length=50)
    year_level = models.PositiveSmallIntegerField(_("year level"), null=True, blank=True)
    source_key = models.CharField(_("key in the pupil administration"), max_length=100, blank=True)
    entered_on = models.DateField(_("entered on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # From 16 a pupil decides for themself and may sign in with their own account.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupil_record",
    )
    # When the pupil (from 16, with an account) was told that they now decide themself.
    told_decides_at = models.DateTimeField(null=True, blank=True, editable=False)
    guardians = models.ManyToManyField(  # type: ignore[var-annotated]
        settings.AUTH_USER_MODEL, through="Guardianship", related_name="children"
    )
    # Memberships of composed groups (samengestelde groepen), besides the stamgroep.
    extra_groups = models.ManyToManyField(Group, blank=True, related_name="extra_pupils")

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("pupil")
        ordering = ["given_name", "family_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "pupil_number"], name="unique_pupil_number")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.given_name, self.family_name_prefix, self.family_name) if p
        )

    def age_on(self, day: date) -> int:
        return age_on(self.date_of_birth, day)

    def decides_for_self(self, day: date) -> bool:
        """From 16 the pupil, not the guardians, gives or refuses consent.

        The age of digital consent in the Netherlands (GDPR art. 8, UAVG art. 5).
        """
        return decides_for_self(self.date_of_birth, day)


def age_on(date_of_birth: date, day: date) -> int:
    dob = date_of_birth
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def decides_for_self(date_of_birth: date, day: date) -> bool:
    """`Pupil.decides_for_self` for a date of birth alone (rows read without the model)."""
    return age_on(date_of_birth, day) >= AGE_OF_OWN_CONSENT


class Guardianship(models.Model):
    """A guardian of a pupil. Only guardians with parental authority (gezag) decide.

    Authority is never assumed: `has_parental_authority` is None (unknown, so the guardian
    cannot decide) until a roster file or the school says yes or no. A wrong yes would let
    someone without authority decide about a child; an unknown one only waits for the school
    (`roster.authority`).
    """

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardianships")
    has_parental_authority = models.BooleanField(
        _("has parental authority"), null=True, blank=True, default=None
    )

    class Meta:
        verbose_name = _("guardian")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "pupil"], name="unique_guardianship")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.pupil}"


class StaffRole(models.Model):
    """A staff member's role at a school, or the privacy officer's role across a board."""

    class Role(models.TextChoices):
        TEACHER = "teacher", _("teacher")
        LEADERSHIP = "leadership", _("school leadership")
        PRIVACY_OFFICER = "privacy_officer", _("privacy officer")
        INTERN = "intern", _("intern")
        VISITOR = "visitor", _("visitor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="staff_roles")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    groups = models.ManyToManyField(Group, blank=True, related_name="teacher_roles")

    class Meta:
        verbose_name = _("staff role")
        constraints = [
            # A privacy officer serves the whole board; every other role belongs to one school.
            models.CheckConstraint(
                condition=Q(role="privacy_officer", school__isnull=True)
                | (~Q(role="privacy_officer") & Q(school__isnull=False)),
                name="staff_role_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.school or self.board})"
