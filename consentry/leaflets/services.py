"""Publishing leaflet versions."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.accounts.models import User
from consentry.audit.services import record as audit
from consentry.schools import access
from consentry.schools.models import School

from . import starter
from .models import Category, LeafletVersion


class LeafletError(ValueError):
    """A publication that cannot happen; the message is safe to show."""


@transaction.atomic
def publish(version: LeafletVersion, *, actor: User, material_change: bool) -> LeafletVersion:
    """Make a draft the school's active leaflet and archive the one before it.

    A material change starts a new answer round: everyone must answer again, and the older
    answers stay in the history without counting. A minor edit keeps the round, so answers
    carry over. The very first version always starts round 1.
    """
    if not access.leads_school(actor, version.school):
        raise LeafletError(_("Only the school leadership can publish the leaflet."))
    School.objects.select_for_update().get(pk=version.school_id)  # one publisher at a time
    version.refresh_from_db()
    if version.status != LeafletVersion.Status.DRAFT:
        raise LeafletError(_("Only a draft can be published."))
    if not version.categories.exists():
        raise LeafletError(_("A leaflet without categories cannot be published."))
    current = LeafletVersion.objects.active().filter(school_id=version.school_id).first()
    if current is None:
        material_change, answer_round = True, 1
    else:
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
            "answer_round": answer_round,
            "previous_version_id": current.pk if current else None,
        },
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
