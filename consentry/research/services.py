"""The rules that change a project: saving it, storing material, and destroying it.

Every change writes its audit entry in the same transaction. Material is destroyed once its
project's end date has passed (`expired_material`, `destroy_material`): by the retention job
and by `consentry project_cleanup`, whichever comes first; destroying twice is harmless.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consentry.accounts.models import User
from consentry.adhoc import services as adhoc
from consentry.adhoc.models import ConsentRequest
from consentry.audit.services import record
from consentry.mail.services import queue_mail
from consentry.processors.storage import files_in, private_storage
from consentry.schools.models import Pupil

from . import videos
from .forms import ProjectForm
from .models import Material, Project, extension_needs_reason
from .uploads import Inspected

RULE_END_DATE = "research.end_date"  # destroyed the day after the project's end date
RULE_BY_HAND = "research.by_hand"  # destroyed early by a member or manager
ORPHAN_AGE = timedelta(days=1)


class ProjectClosed(ValueError):
    """The project's end date has passed: it is read-only."""


def _audit(action: str, obj, *, actor, project: Project, **data) -> None:
    record(
        action,
        actor=actor,
        obj=obj,
        school_id=project.school_id,
        data={"project_id": project.pk, **data},
    )


@transaction.atomic
def save_project(form: ProjectForm, *, actor: User) -> Project:
    """Save a project and its members; a new kind 6 project asks the subject's guardians
    through a separate request. New members hear of it by mail."""
    created = form.instance.pk is None
    before = set() if created else set(form.instance.members.values_list("pk", flat=True))
    old_ends_on = form.old_ends_on
    project = form.save(commit=False)
    if created and project.kind == Project.Kind.RESEARCH:
        deadline = form.cleaned_data["request_deadline"]
        project.consent_request = _ask_guardians(project, deadline, actor)
    project.save()
    form.save_m2m()
    members = audit_created(project, actor=actor, created=created, fields=form.changed_data)
    if old_ends_on is not None and project.ends_on != old_ends_on:
        audit_end_date(
            project, old_ends_on, reason=form.cleaned_data.get("extension_reason", ""), actor=actor
        )
    for user in User.objects.filter(pk__in=members - before):
        _tell_member(project, user)
    return project


def audit_created(
    project: Project, *, actor, created: bool = True, fields: Iterable[str] = ()
) -> set[int]:
    """The audit entry of a new or changed project, naming its members; returns their ids."""
    members = set(project.members.values_list("pk", flat=True))
    _audit(
        "research.project_created" if created else "research.project_changed",
        project,
        actor=actor,
        project=project,
        kind=project.kind,
        fields=sorted(fields),
        members=sorted(members),
    )
    return members


def audit_end_date(project: Project, old: date, *, reason: str, actor) -> None:
    """The audit entry of a moved end date: an extension past the first end date (which
    the form refuses without a reason) or another change, with old, new and first date."""
    extended = extension_needs_reason(project.first_ends_on, old, project.ends_on)
    _audit(
        "research.end_date_extended" if extended else "research.end_date_changed",
        project,
        actor=actor,
        project=project,
        old_ends_on=old.isoformat(),
        new_ends_on=project.ends_on.isoformat(),
        first_ends_on=project.first_ends_on.isoformat(),
        reason=reason,
    )


def _ask_guardians(project: Project, deadline: date, actor: User) -> ConsentRequest:
    """Research about one pupil asks the guardians separately, and sends at once: the
    project exists to do this research, and nothing may be stored before they agree."""
    assert project.subject is not None
    description = _(
        "%(purpose)s\n\nWith: %(party)s.\nOnly the members of the project see the material; "
        "it is destroyed after %(day)s."
    ) % {
        "purpose": project.purpose,
        "party": project.external_party,
        "day": date_format(project.ends_on),
    }
    return adhoc.create_request(
        school=project.school,
        actor=actor,
        purpose=(_("Research: %(title)s") % {"title": project.title})[:200],
        description=description,
        pupils=[project.subject],
        deadline=deadline,
        send=True,
    )


def _tell_member(project: Project, user: User) -> None:
    context = {"user": user, "project": project, "url": base_url() + project_url(project)}
    with translation.override(user.preferred_language):
        subject = render_to_string("research/email/member_subject.txt", context).strip()
        body = render_to_string("research/email/member.txt", context)
    queue_mail(user.email, subject, body, kind="other", recipient=user, school=project.school)


def project_url(project: Project) -> str:
    return reverse("research_project", args=[project.pk])


def base_url() -> str:
    return (getattr(settings, "CONSENTRY_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def check_open(project: Project, today: date | None = None) -> None:
    if project.has_ended(today or timezone.localdate()):
        raise ProjectClosed(project.pk)


def store_material(
    project: Project,
    upload: UploadedFile,
    inspected: Inspected,
    *,
    pupils: Iterable[Pupil],
    others: str,
    description: str = "",
    actor: User,
) -> Material:
    """Store an inspected upload with its tags and audit entry: all or nothing.

    The file is written first (a FileField writes on save); if anything after that fails,
    the file is removed again, so no stray copy of pupils' images stays on disk.
    """
    check_open(project)
    if inspected.kind == Material.Kind.VIDEO:  # sealed and anonymised: videos.py
        return videos.store_video(project, upload, inspected, description=description, actor=actor)
    pupils = list(pupils)
    material = Material(
        project=project,
        kind=inspected.kind,
        original_name=(upload.name or "")[-200:],
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
        description=description,
        others=others,
        uploaded_by=actor,
    )
    content = ContentFile(inspected.photo_jpeg) if inspected.photo_jpeg is not None else upload
    try:
        with transaction.atomic():
            material.file.save("upload", content, save=False)
            material.save()
            material.pupils.set(pupils)
            _audit(
                "research.material_uploaded",
                material,
                actor=actor,
                project=project,
                kind=material.kind,
                sha256=material.sha256,
                size=material.size,
                pupil_ids=sorted(p.pk for p in pupils),
                others=material.others,
            )
    except Exception:
        if material.file.name:
            private_storage.delete(material.file.name)
        raise
    return material


@transaction.atomic
def retag(material: Material, pupils: Iterable[Pupil], *, others: str, actor: User) -> None:
    """The uploader corrects who appears in the material (which may block or free it)."""
    check_open(material.project)
    material.pupils.set(pupils)
    material.others = others
    material.save(update_fields=["others"])
    _audit(
        "research.material_tagged",
        material,
        actor=actor,
        project=material.project,
        pupil_ids=sorted(material.pupils.values_list("pk", flat=True)),
        others=material.others,
    )


def expired_material(now: datetime | None = None):
    """Live material of projects whose end date has passed: due for destruction."""
    today = timezone.localdate(now or timezone.now())
    return (
        Material.objects.live()
        .filter(project__in=Project.objects.ended_before(today))
        .select_related("project")
        .order_by("pk")
    )


def destroy_material(item: Material, rule: str = RULE_END_DATE, *, actor=None) -> bool:
    """Destroy one item of material: its file, its name, description and tags. The row stays
    as the record, with when and under which rule, and an audit entry says the same.

    Returns False when it was already destroyed (by the retention job, the command or by
    hand): whoever comes second does nothing. The file is deleted once the transaction has
    committed, so a rollback (or a dry run that rolls back) leaves file and row in place.
    """
    with transaction.atomic():
        material = (
            Material.objects.select_for_update()
            .select_related("project")
            .filter(pk=item.pk, destroyed_at__isnull=True)
            .first()
        )
        if material is None:
            return False
        name, pupil_count = material.file.name, material.pupils.count()
        video_files = videos.destroy(material)  # its key, tracks, pieces: files after commit
        material.pupils.clear()
        material.destroyed_at = timezone.now()
        material.destroyed_under = rule
        material.file.name, material.original_name, material.description = "", "", ""
        material.save()
        _audit(
            "research.material_destroyed",
            material,
            actor=actor or "system",
            project=material.project,
            rule=rule,
            kind=material.kind,
            sha256=material.sha256,
            pupil_count=pupil_count,
            ends_on=material.project.ends_on.isoformat(),
        )
        if name:
            transaction.on_commit(lambda: private_storage.delete(name))
        transaction.on_commit(lambda: videos.delete_files(video_files))
    item.destroyed_at = material.destroyed_at
    return True


@dataclass(frozen=True)
class Destruction:
    material: Material
    done: bool


def cleanup(now: datetime | None = None, *, dry_run: bool = False) -> list[Destruction]:
    """Destroy all expired material (or, with `dry_run`, only list it), then remove any
    file left behind by a crash between a destruction's commit and its file deletion."""
    due = list(expired_material(now))
    if dry_run:
        return [Destruction(material, False) for material in due]
    done = [Destruction(m, destroy_material(m, actor="command line")) for m in due]
    transaction.on_commit(lambda: sweep_orphans(now))
    return done


def sweep_orphans(now: datetime | None = None) -> list[str]:
    """Delete files under research/ (and its videos/) that no live material or video points
    at, if older than a day (younger ones may belong to an upload or a piece being saved)."""
    cutoff = (now or timezone.now()) - ORPHAN_AGE
    live = set(Material.objects.live().values_list("file", flat=True)) | videos.live_names()
    removed = []
    for path in [*files_in("research"), *files_in(videos.FOLDER)]:
        if path not in live and private_storage.get_modified_time(path) < cutoff:
            private_storage.delete(path)
            record("research.orphan_file_deleted", actor="command line", data={"file": path})
            removed.append(path)
    return removed
