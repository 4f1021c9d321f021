"""The trail page's filters: by pupil, by person who acted, by kind of action.

Each filter is a condition the database answers (on the school's entries, found by the
index on school_id), so a page costs the same on a national database as on a small one:
no entry is read to decide whether it matches.
"""

from typing import cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.schools import access
from consentry.schools.models import School

from .describe import pupil_name, school_people
from .models import AuditEntry

# Kinds of action, as (key, label, action prefixes).
KINDS = (
    (
        "consent",
        _("Consent, never-photograph flags and parental authority"),
        ("consent.", "never_flag.", "guardian.", "reminders."),
    ),
    ("requests", _("Separate requests"), ("adhoc.",)),
    ("photos", _("Photos"), ("photo.", "photos.")),
    ("leaflet", _("Leaflet"), ("leaflet.",)),
    ("research", _("Research projects"), ("research.",)),
    (
        "registers",
        _("Registers: data breaches and privacy rules"),
        ("breach.", "conduct.", "processor.", "agreement.", "processingactivity."),
    ),
    (
        "records",
        _("Roster, exports, erasure and retention"),
        ("roster.", "pupil.erased", "pupil.exported", "retention.", "school."),
    ),
    ("accounts", _("Accounts and access"), ("pupil.account_given", "api_token.")),
)


def kind_of(action: str) -> str | None:
    """The kind an action belongs to, or None."""
    for key, _label, prefixes in KINDS:
        if action.startswith(prefixes):
            return key
    return None


def of_kind(key: str) -> Q:
    prefixes = next(prefixes for each, _label, prefixes in KINDS if each == key)
    condition = Q()
    for prefix in prefixes:
        condition |= Q(action__startswith=prefix)
    return condition


def about_pupil(pupil_id: int) -> Q:
    """Entries about the pupil: their data names the pupil, or the pupil is the object
    (an export, an erasure, an account of their own)."""
    return Q(data__pupil_id=pupil_id) | Q(object_type="schools.pupil", object_id=str(pupil_id))


class TrailFilter(forms.Form):
    pupil = forms.TypedChoiceField(label=_("Pupil"), coerce=int, required=False, empty_value=None)
    person = forms.TypedChoiceField(
        label=_("Person who acted"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, data, *, school: School, viewer: User):
        super().__init__(data)
        self._choices("pupil", _("All pupils"), pupil_choices(school, viewer))
        self._choices("person", _("Everyone"), person_choices(school))
        self._choices("kind", _("All kinds"), [(key, label) for key, label, _p in KINDS])

    def _choices(self, name: str, everything, choices) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = [("", everything), *choices]

    @property
    def active(self) -> bool:
        return self.is_valid() and any(
            value not in (None, "") for value in self.cleaned_data.values()
        )

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The entries that match every filter chosen; a value that is not one of the
        choices is reported on the form and filters nothing."""
        self.is_valid()
        chosen = self.cleaned_data
        if chosen.get("pupil") is not None:
            entries = entries.filter(about_pupil(chosen["pupil"]))
        if chosen.get("person") is not None:
            entries = entries.filter(actor_id=chosen["person"])
        if chosen.get("kind"):
            entries = entries.filter(of_kind(chosen["kind"]))
        return entries


def pupil_choices(school: School, viewer: User) -> list[tuple[int, str]]:
    """The school's pupils the viewer sees (those who left too, until they are erased)."""
    pupils = access.pupils_visible_to(viewer).filter(school=school)
    rows = pupils.order_by("given_name", "family_name", "pk").values_list(
        "pk", "given_name", "family_name_prefix", "family_name", "group__name"
    )
    return [
        (
            pk,
            f"{pupil_name(given, prefix, family)} ({group})"
            if group
            else pupil_name(given, prefix, family),
        )
        for pk, given, prefix, family, group in rows
    ]


def person_choices(school: School) -> list[tuple[int, str]]:
    """The school's people who acted in its trail (`describe.school_people`)."""
    acted = AuditEntry.objects.filter(school_id=school.pk, actor_id__isnull=False)
    people = User.objects.filter(pk__in=school_people(school)).filter(
        pk__in=acted.values("actor_id")
    )
    rows = people.order_by("full_name", "email").values_list("pk", "full_name", "email")
    return [(pk, name or email) for pk, name, email in rows]
