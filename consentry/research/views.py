"""Pages of research and training projects (categories 6, 7 and 8).

Members see the material; the leadership and the privacy officer manage projects and see
who is covered (see access.py). Material is served only by `material_download`, to members,
as an attachment, and only while everyone in it is covered (default-deny: see coverage.py).
After the end date the project is read-only.
"""

import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.photos.crypto import DecryptionFailed
from consentry.schools.access import (
    get_school_overseen_by,
    pupils_seen_as_staff,
    schools_overseen_by,
)

from . import access, services, videos
from .coverage import coverage, subject_cover
from .forms import MaterialForm, ProjectForm, TagsForm, taggable_pupils
from .models import Video
from .video_views import video_context


def _open_project(request, project_id: int, *, manage: bool = False, member: bool = False):
    """The project, if visible (404) and still open (403 after the end date); `manage` and
    `member` require that role (403)."""
    project = access.get_project_for_user(request.user, project_id)
    if manage and not access.manages(request.user, project):
        raise PermissionDenied
    if member and not access.is_member(request.user, project):
        raise PermissionDenied
    if project.has_ended(timezone.localdate()):
        raise PermissionDenied
    return project


@login_required
@require_GET
def project_list(request):
    projects = access.projects_visible_to(request.user).select_related("school")
    context = {
        "projects": projects.order_by("school__name", "-ends_on", "title"),
        "schools": schools_overseen_by(request.user).order_by("name"),
        "today": timezone.localdate(),
    }
    return render(request, "research/project_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request, school_id: int):
    school = get_school_overseen_by(request.user, school_id)
    form = ProjectForm(request.POST or None, school=school, actor=request.user)
    if request.method == "POST" and form.is_valid():
        project = services.save_project(form, actor=request.user)
        messages.success(request, _("The project was created."))
        return redirect("research_project", project_id=project.pk)
    return render(request, "research/project_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, project_id: int):
    project = _open_project(request, project_id, manage=True)
    form = ProjectForm(
        request.POST or None, instance=project, school=project.school, actor=request.user
    )
    if request.method == "POST" and form.is_valid():
        services.save_project(form, actor=request.user)
        messages.success(request, _("The project was saved."))
        return redirect("research_project", project_id=project.pk)
    context = {"form": form, "school": project.school, "project": project}
    return render(request, "research/project_form.html", context)


@login_required
@require_GET
def project_detail(request, project_id: int):
    project = access.get_project_for_user(request.user, project_id)
    materials = list(
        project.materials.prefetch_related("pupils").select_related("uploaded_by", "video")
    )
    live = [m for m in materials if not m.is_destroyed]
    cover = coverage(project, live)
    can_manage = access.manages(request.user, project)
    if not can_manage:
        seen = pupils_seen_as_staff(request.user).filter(pk__in=list(cover.pupils))
        cover = cover.reasons_only_for(set(seen.values_list("pk", flat=True)))
    ended = project.has_ended(timezone.localdate())
    is_member = access.is_member(request.user, project)
    context = {
        "project": project,
        "coverage": cover,
        "rows": [
            (m, cover.uncovered_in(m), cover.others_in(m), _video_of(request.user, m)) for m in live
        ],
        "blocked_by_others": cover.blocked_by_others(live),
        "destroyed": [m for m in materials if m.is_destroyed],
        "members": project.members.order_by("full_name"),
        "ended": ended,
        "is_member": is_member,
        "can_manage": can_manage,
        "can_upload": is_member and not ended,
        "has_video": any(m.is_video for m in live),
    }
    return render(request, "research/project_detail.html", context)


def _video_of(user, material) -> dict | None:
    video = getattr(material, "video", None) if material.is_video else None
    return video_context(user, video) if video is not None else None


@login_required
@require_http_methods(["GET", "POST"])
def material_upload(request, project_id: int):
    project = _open_project(request, project_id, member=True)
    if project.subject is not None and not subject_cover(project).covered:
        # Research about one pupil starts only once the guardians agreed: nothing to store.
        return render(request, "research/material_form.html", {"project": project})
    pupils = taggable_pupils(request.user, project.school)
    form = MaterialForm(request.POST or None, request.FILES or None, pupils=pupils, project=project)
    if request.method == "POST" and form.is_valid():
        assert form.inspected is not None  # a valid form has inspected its file
        services.store_material(
            project,
            form.cleaned_data["file"],
            form.inspected,
            pupils=form.cleaned_data["pupils"],
            others=form.cleaned_data["others"],
            description=form.cleaned_data["description"],
            actor=request.user,
        )
        if form.is_video:
            messages.success(
                request,
                _(
                    "The video was stored. Its faces are now being found; then you mark who "
                    "stays visible."
                ),
            )
        else:
            messages.success(request, _("The material was stored."))
        return redirect("research_project", project_id=project.pk)
    return render(request, "research/material_form.html", {"form": form, "project": project})


@login_required
@require_GET
def material_download(request, material_id: int):
    """The file, as a download, for members, while everyone in it is covered. Of a video
    only the anonymised result, never the original."""
    material = access.get_material_for_member(request.user, material_id)
    if material.project.has_ended(timezone.localdate()):
        raise Http404("This material is due for destruction.")
    if not coverage(material.project, [material]).allows(material):
        raise PermissionDenied
    if material.is_video:
        return _video_download(material)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=_download_name(material),
        content_type=material.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _video_download(material) -> StreamingHttpResponse:
    video = getattr(material, "video", None)
    if video is None or video.stage != Video.Stage.READY or not video.result_name:
        raise Http404("The anonymised video is not ready.")
    try:
        chunks = videos.open_result(video)
        first = next(chunks)  # a destroyed key or a changed file fails here, not mid-way
    except (DecryptionFailed, FileNotFoundError):
        raise Http404("The anonymised video cannot be read.") from None
    response = StreamingHttpResponse(itertools.chain([first], chunks), content_type="video/mp4")
    response["Content-Disposition"] = f'attachment; filename="material-{material.pk}.mp4"'
    response["Content-Length"] = str(video.result_size)
    response["Cache-Control"] = "private, no-store"
    return response


def _download_name(material) -> str:
    suffix = {"image/jpeg": "jpg", "video/mp4": "mp4", "video/webm": "webm"}
    return f"material-{material.pk}.{suffix.get(material.content_type, 'pdf')}"


@login_required
@require_http_methods(["GET", "POST"])
def material_tags(request, material_id: int):
    """Only the uploader corrects who appears in it: they are the one who knows."""
    material = access.get_material_for_member(request.user, material_id)
    _open_project(request, material.project_id, member=True)
    if material.uploaded_by_id != request.user.pk:
        raise PermissionDenied
    if material.is_video:  # who is visible in a video is marked on its faces
        raise Http404("A video is marked on its faces.")
    pupils = taggable_pupils(request.user, material.project.school)
    initial = {
        "pupils": material.pupils.all(),
        "no_pupils": not material.pupils.exists(),
        "others": material.others or None,
    }
    form = TagsForm(request.POST or None, initial=initial, pupils=pupils, project=material.project)
    if request.method == "POST" and form.is_valid():
        services.retag(
            material,
            form.cleaned_data["pupils"],
            others=form.cleaned_data["others"],
            actor=request.user,
        )
        messages.success(request, _("The pupils in the material were saved."))
        return redirect("research_project", project_id=material.project_id)
    return render(request, "research/material_tags.html", {"form": form, "material": material})


@login_required
@require_POST
def material_destroy(request, material_id: int):
    """Members and managers may destroy material early: after use, or when not covered."""
    material = access.get_material_for_user(request.user, material_id)
    services.destroy_material(material, services.RULE_BY_HAND, actor=request.user)
    messages.success(request, _("The material was destroyed."))
    return redirect("research_project", project_id=material.project_id)
