"""Publishing leaflet versions, and what makes a change material."""

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.schools import access
from consentry.schools.models import Pupil, School

from . import starter
from .models import Category, LeafletVersion
from .signals import leaflet_published


class LeafletError(ValueError):
    """A publication that cannot happen; the message is safe to show."""


# The texts of a category that say what a yes means: its title, its purpose (why) and its
# examples (what it looks like in practice), in Dutch and in English, because a guardian may
# read either. A change to any of them, a category added or a category removed, is material:
# a yes given to the old words does not cover the new ones. Spacing and line breaks alone are
# not a change of meaning.
MEANING_FIELDS = ("title_nl", "title_en", "purpose_nl", "purpose_en", "examples_nl", "examples_en")


def _meaning(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class TextDiff:
    """One text of a category, before and after: `old` and `new` as segments
    (text, changed), so a page can mark the words that were removed and added."""

    field: str
    old: list[tuple[str, bool]]
    new: list[tuple[str, bool]]

    @property
    def label(self) -> str:
        field = Category._meta.get_field(self.field)
        assert isinstance(field, models.Field)
        return str(field.verbose_name)


def _word_diff(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    a, b = old.split(" ") if old else [], new.split(" ") if new else []
    before: list[tuple[str, bool]] = []
    after: list[tuple[str, bool]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if a2 > a1:
            before.append((" ".join(a[a1:a2]), op != "equal"))
        if b2 > b1:
            after.append((" ".join(b[b1:b2]), op != "equal"))
    return before, after


@dataclass(frozen=True)
class CategoryChange:
    """How one category (by its stable number) differs between the active leaflet and a draft."""

    number: int
    kind: Literal["added", "removed", "changed"]
    old: Category | None
    new: Category | None
    texts: tuple[TextDiff, ...] = ()

    @property
    def fields(self) -> list[str]:
        return [text.field for text in self.texts]

    @property
    def title(self) -> str:
        category = self.new or self.old
        assert category is not None
        return category.title

    def for_audit(self) -> dict[str, object]:
        data: dict[str, object] = {"number": self.number, "change": self.kind}
        if self.kind == "changed":
            data["fields"] = self.fields
        return data


def category_changes(
    old: Iterable[Category] | None, new: Iterable[Category]
) -> list[CategoryChange]:
    """Every category added, removed, or with a text that says what a yes means changed,
    by number. No old leaflet (a school's first version): no changes, the first version is
    material anyway."""
    if old is None:
        return []
    before = {category.number: category for category in old}
    after = {category.number: category for category in new}
    changes = []
    for number in sorted(before.keys() | after.keys()):
        was, now = before.get(number), after.get(number)
        if was is None:
            changes.append(CategoryChange(number, "added", None, now))
        elif now is None:
            changes.append(CategoryChange(number, "removed", was, None))
        else:
            texts = []
            for name in MEANING_FIELDS:
                a, b = _meaning(getattr(was, name)), _meaning(getattr(now, name))
                if a != b:
                    texts.append(TextDiff(name, *_word_diff(a, b)))
            if texts:
                changes.append(CategoryChange(number, "changed", was, now, tuple(texts)))
    return changes


def changes_against_active(draft: LeafletVersion) -> list[CategoryChange]:
    """What publishing `draft` would change in its school's active leaflet's categories."""
    current = LeafletVersion.objects.active().filter(school_id=draft.school_id).first()
    if current is None:
        return []
    return category_changes(current.categories.all(), draft.categories.all())


def new_round_changes(school: School) -> tuple[LeafletVersion, list[CategoryChange]] | None:
    """The active leaflet and its category changes against the version it replaced, when it
    started a new answer round (a material change): reminders then say that the leaflet
    changed and what, since the guardian's earlier answers stopped counting."""
    active = LeafletVersion.objects.active().filter(school=school).first()
    if active is None or not active.material_change or active.answer_round < 2:
        return None
    previous = (
        LeafletVersion.objects.filter(
            school=school,
            status=LeafletVersion.Status.ARCHIVED,
            answer_round=active.answer_round - 1,
        )
        .order_by("-published_at", "-pk")
        .first()
    )
    if previous is None:
        return None
    return active, category_changes(previous.categories.all(), active.categories.all())


def pupils_answered_in_round(school: School) -> int:
    """How many current pupils have an answer that counts now: a new answer round (a
    material change) makes all of those stop counting at once, so the page tells the
    leadership this number and asks them to confirm it before publishing."""
    from consentry.consent.models import ConsentEvent

    current = LeafletVersion.objects.active().filter(school=school).first()
    if current is None:
        return 0
    return (
        ConsentEvent.objects.filter(
            pupil__in=Pupil.objects.current().filter(school=school),
            leaflet_version__school=school,
            leaflet_version__answer_round=current.answer_round,
        )
        .values("pupil_id")
        .distinct()
        .count()
    )


@transaction.atomic
def publish(version: LeafletVersion, *, actor: User, material_change: bool) -> LeafletVersion:
    """Make a draft the school's active leaflet and archive the one before it.

    A material change starts a new answer round: everyone must answer again, and the older
    answers stay in the history without counting. A minor edit keeps the round, so answers
    carry over. The leadership must say which they mean (`material_change` True or False,
    nothing else), but this function decides: a category added or removed, or a category
    whose title, purpose or examples changed (in either language, see `category_changes`),
    makes the change material whatever was chosen, and the audit entry names those
    categories. The very first version always starts round 1.
    """
    if not isinstance(material_change, bool):
        raise LeafletError(
            _("Choose whether this is a material change or a minor edit: nothing was published.")
        )
    if not access.leads_school(actor, version.school):
        raise LeafletError(_("Only the school leadership can publish the leaflet."))
    School.objects.select_for_update().get(pk=version.school_id)  # one publisher at a time
    version.refresh_from_db()
    if version.status != LeafletVersion.Status.DRAFT:
        raise LeafletError(_("Only a draft can be published."))
    if not version.categories.exists():
        raise LeafletError(_("A leaflet without categories cannot be published."))
    chosen = material_change
    current = LeafletVersion.objects.active().filter(school_id=version.school_id).first()
    changes = category_changes(
        current.categories.all() if current else None, version.categories.all()
    )
    if current is None:
        material_change, answer_round = True, 1
    else:
        material_change = material_change or bool(changes)
        answer_round = current.answer_round + 1 if material_change else current.answer_round
        current.status = LeafletVersion.Status.ARCHIVED
        current.save(update_fields=["status"])
    version.status = LeafletVersion.Status.ACTIVE
    version.answer_round = answer_round
    version.material_change = material_change
    version.published_at = timezone.now()
    version.published_by = actor
    version.save()
    audit(
        "leaflet.published",
        actor=actor,
        obj=version,
        school_id=version.school_id,
        data={
            "label": version.label,
            "material_change": material_change,
            "chosen_material_change": chosen,
            "material_categories": [change.for_audit() for change in changes],
            "answer_round": answer_round,
            "previous_version_id": current.pk if current else None,
        },
    )
    # No earlier answer counts in a new round: what was published may have to come down.
    leaflet_published.send(
        sender=LeafletVersion, version=version, new_round=current is not None and material_change
    )
    return version


@transaction.atomic
def new_draft(source: LeafletVersion, *, label: str, actor: User) -> LeafletVersion:
    """Start a new version from an existing one, categories and texts copied."""
    if not access.leads_school(actor, source.school):
        raise LeafletError(_("Only the school leadership can edit the leaflet."))
    label = label.strip()
    if not label:
        raise LeafletError(_("Give the new version a label."))
    if LeafletVersion.objects.filter(school=source.school, label=label).exists():
        raise LeafletError(_("A version with this label already exists."))
    texts = {field: getattr(source, field) for field in LeafletVersion.text_fields()}
    draft = LeafletVersion.objects.create(school=source.school, label=label, **texts)
    for category in source.categories.all():
        category.pk = None
        category.version = draft
        category.save()
    audit(
        "leaflet.drafted",
        actor=actor,
        obj=draft,
        school_id=source.school_id,
        data={"label": label, "source_version_id": source.pk},
    )
    return draft


def starter_draft(school: School, *, label: str) -> LeafletVersion:
    """A new school's first leaflet: a draft with the starter texts and categories.

    A draft, because the leadership must make the texts their school's own before parents
    read them (publishing stays their act, with their account); the caller writes the audit
    entry, as part of what it set up.
    """
    draft = LeafletVersion.objects.create(school=school, label=label, **starter.TEXTS)
    Category.objects.bulk_create(Category(version=draft, **texts) for texts in starter.CATEGORIES)
    return draft
