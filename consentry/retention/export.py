"""Everything Consentry holds about one pupil, for the right of access (GDPR art. 15).

Who receives what (data minimisation):

- the school's leadership and the board's privacy officer (handling the request) get all of
  it: the guardians' names and addresses, the mail, the audit entries about the pupil, and
  every row of another app that points at the pupil. Never-photograph flags are included;
  their reason only for the leadership, who alone sees it in the pages too;
- a guardian with parental authority (until the pupil is 16, when it becomes the pupil's own
  business, as consent does), or the pupil with their own account, gets the pupil's record,
  groups, the full consent history and the mail sent to themselves. The other guardians
  appear by name and authority, without their address; never-photograph flags are left out
  entirely (they may stem from a custody dispute), as is everything staff-only.

The zip holds README.txt, data.json and a photos/ folder: apps with files about the pupil
(photos, later) add them through `registry.register_files`.
"""

import io
import json
import zipfile
from pathlib import PurePosixPath
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import FileField, Q
from django.template.loader import render_to_string
from django.utils import timezone

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent, NeverFlagEvent
from consentry.mail.models import OutgoingMail
from consentry.schools import access
from consentry.schools.models import Pupil, StaffRole

from . import registry
from .erasure import pupil_relations, related_rows

LEADERSHIP, PRIVACY_OFFICER, FAMILY = "leadership", "privacy_officer", "family"
STAFF = (LEADERSHIP, PRIVACY_OFFICER)
FORMAT = "consentry-pupil-export/1"
COVERED = {
    "schools.guardianship",
    "schools.pupil_extra_groups",
    "consent.consentevent",
    "consent.neverflagevent",
    "mail.outgoingmail",
}


def audience_for(user: User, pupil: Pupil) -> str | None:
    """Who this user is to the pupil for the export, or None: they get no export."""
    if access.leads_school(user, pupil.school):
        return LEADERSHIP
    officer = StaffRole.Role.PRIVACY_OFFICER
    if StaffRole.objects.filter(user=user, board_id=pupil.school.board_id, role=officer).exists():
        return PRIVACY_OFFICER
    if pupil.account_id == user.pk:
        return FAMILY
    # From 16 the data is the pupil's own business, as their consent is (GDPR art. 8).
    adult = pupil.decides_for_self(timezone.localdate())
    if not adult and access.is_guardian_with_authority(user, pupil):
        return FAMILY
    return None


def collect(pupil: Pupil, user: User, audience: str) -> dict[str, Any]:
    staff = audience in STAFF
    data: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "exported_for": audience,
        "pupil": _pupil(pupil),
        "groups": _groups(pupil),
        "guardians": _guardians(pupil, user, staff),
        "own_account": _own_account(pupil, user, staff),
        "consent_history": _consent_history(pupil),
        "mail": _mail(pupil, user, staff),
    }
    if staff:
        data["never_photograph_flag"] = _never_flags(pupil, with_reason=audience == LEADERSHIP)
    for section in registry.sections():
        if staff or section.family:
            data[section.key] = section.collect(pupil)
    if staff:
        data["audit_trail"] = _audit_trail(pupil)
        data["other_records"] = _other_records(pupil)
    return data


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def as_zip(pupil: Pupil, data: dict[str, Any], audience: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        readme = render_to_string("retention/export_readme.txt", {"pupil": pupil, "data": data})
        archive.writestr("README.txt", readme)
        archive.writestr("data.json", as_json(data))
        archive.mkdir("photos")
        for folder, source in registry.file_sources():
            for name, content in source(pupil, audience):
                archive.writestr(f"{folder}/{PurePosixPath(name).name}", content)
    return buffer.getvalue()


def _pupil(pupil: Pupil) -> dict[str, Any]:
    fields = (
        "given_name",
        "family_name_prefix",
        "family_name",
        "date_of_birth",
        "pupil_number",
        "year_level",
        "entered_on",
        "left_on",
    )
    school = {"name": pupil.school.name, "brin": pupil.school.brin}
    return {"id": pupil.pk, **{name: getattr(pupil, name) for name in fields}, "school": school}


def _groups(pupil: Pupil) -> list[dict[str, Any]]:
    groups = [(pupil.group, False)] if pupil.group else []
    groups += [(group, True) for group in pupil.extra_groups.all()]
    return [
        {"name": group.name, "school_year": group.school_year, "composed": composed}
        for group, composed in groups
    ]


def _guardians(pupil: Pupil, user: User, staff: bool) -> list[dict[str, Any]]:
    rows = []
    for guardianship in pupil.guardianships.select_related("guardian").order_by("pk"):
        guardian = guardianship.guardian
        row: dict[str, Any] = {
            "name": guardian.full_name,
            "parental_authority": guardianship.has_parental_authority,
        }
        if staff or guardian.pk == user.pk:  # another guardian's address is theirs alone
            row["email"] = guardian.email
        rows.append(row)
    return rows


def _own_account(pupil: Pupil, user: User, staff: bool) -> dict[str, Any] | None:
    account = pupil.account
    if account is None or not (staff or account.pk == user.pk):
        return None
    return {"email": account.email, "name": account.full_name}


def _consent_history(pupil: Pupil) -> list[dict[str, Any]]:
    """Every decision ever recorded, as the history page shows it."""
    events = ConsentEvent.objects.filter(pupil=pupil).select_related(
        "actor", "guardian", "leaflet_version"
    )
    return [
        {
            "recorded_at": event.recorded_at,
            "category": event.category_number,
            "given": event.given,
            "decided_by": event.guardian.full_name if event.guardian else "pupil",
            "recorded_by": event.actor.full_name,
            "acted_as": event.actor_role,
            "channel": event.channel,
            "note": event.note,
            "leaflet_version": event.leaflet_version.label,
            "answer_round": event.leaflet_version.answer_round,
        }
        for event in events.order_by("recorded_at", "pk")
    ]


def _never_flags(pupil: Pupil, *, with_reason: bool) -> list[dict[str, Any]]:
    rows = []
    for event in NeverFlagEvent.objects.filter(pupil=pupil).select_related("actor"):
        row = {"recorded_at": event.recorded_at, "active": event.active, "by": str(event.actor)}
        if with_reason:
            row["reason"] = event.reason
        rows.append(row)
    return rows


def _mail(pupil: Pupil, user: User, staff: bool) -> list[dict[str, Any]]:
    mails = OutgoingMail.objects.filter(pupil=pupil)
    if not staff:
        mails = mails.filter(recipient=user)
    return [
        {
            "kind": mail.kind,
            "to": mail.to_address,
            "subject": mail.subject,
            "text": mail.body,
            "status": mail.status,
            "queued_at": mail.created_at,
            "sent_at": mail.sent_at,
        }
        for mail in mails.order_by("created_at", "pk")
    ]


def _audit_trail(pupil: Pupil) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(
        Q(object_type=Pupil._meta.label_lower, object_id=str(pupil.pk)) | Q(data__pupil_id=pupil.pk)
    )
    return [
        {
            "sequence": entry.sequence,
            "recorded_at": entry.recorded_at,
            "actor": entry.actor_label,
            "action": entry.action,
            "object": f"{entry.object_type}:{entry.object_id}",
            "data": entry.data,
        }
        for entry in entries.order_by("sequence")
    ]


def _other_records(pupil: Pupil) -> dict[str, list[dict[str, Any]]]:
    """Rows of other apps that point at the pupil, field by field: a model added later is
    in the export without a change here."""
    covered = COVERED | {label for s in registry.sections() for label in s.models}
    records = {}
    for relation in pupil_relations():
        model = relation.related_model
        label = model._meta.label_lower
        if label in covered:
            continue
        rows = [_fields(row) for row in related_rows(pupil, relation).order_by("pk")]
        if rows:
            records[label] = rows
    return records


def _fields(row) -> dict[str, Any]:
    values = {}
    for model_field in row._meta.concrete_fields:
        value = getattr(row, model_field.attname)
        values[model_field.attname] = value.name if isinstance(model_field, FileField) else value
    return values
