"""Pages of a project's video: its progress, who stays visible, and trying again.

Only the uploader marks who stays visible and sees the pictures of the faces (they know who
is who; the pictures show children who will be blurred, so nobody else sees them, and
never from a cache). Whoever sees the project sees the progress and may try again after a
failure. The download (views.material_download) gives members the anonymised result only.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.photos.crypto import DecryptionFailed

from . import access, videos
from .models import Video


class MarkingForm(forms.Form):
    keep = forms.TypedMultipleChoiceField(coerce=int, required=False)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(n, str(n)) for n in numbers]  # type: ignore[attr-defined]


POSITIONS = (
    gettext_lazy("on the left"),
    gettext_lazy("in the middle"),
    gettext_lazy("on the right"),
)


def _clock(frame: int, fps: float) -> str:
    seconds = int(frame / fps) if fps else 0
    return f"{seconds // 60}:{seconds % 60:02d}"


def _track_rows(video: Video) -> list[dict]:
    """Per track what the marking page says: where the face is and when it is seen."""
    info = videos.video_info(video)
    fps = float(info.fps)
    rows = []
    for track in video.tracks.all():
        x, _y, w, _h = track.data["detected"][str(track.best_frame)][:4]
        third = min(2, max(0, int(3 * (x + w / 2) / max(1, info.width))))
        rows.append(
            {
                "track": track,
                "position": POSITIONS[third],
                "from": _clock(track.first_frame, fps),
                "to": _clock(track.last_frame + 1, fps),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def video_marking(request, video_id: int):
    video = access.get_video_for_uploader(request.user, video_id)
    project = video.material.project
    if project.has_ended(timezone.localdate()):
        raise PermissionDenied
    if not videos.can_mark(video):
        raise Http404("Nothing to mark yet.")
    rules = videos.marking_rules(project)
    numbers = list(video.tracks.values_list("number", flat=True))
    data = request.POST if request.method == "POST" else None  # ticking nobody posts nothing
    form = MarkingForm(data, numbers=numbers)
    if request.method == "POST" and form.is_valid():
        try:
            videos.mark(
                video,
                form.cleaned_data["keep"],
                actor=request.user,
                confirmed=form.cleaned_data["confirmed"],
            )
        except videos.MarkingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved. The video is now being blurred."))
            return redirect("research_project", project_id=project.pk)
    kept = set(video.tracks.filter(kept=True).values_list("number", flat=True))
    if form.is_bound:
        kept = set(form.cleaned_data.get("keep", [])) if form.is_valid() else kept
    context = {
        "video": video,
        "material": video.material,
        "project": project,
        "rules": rules,
        "rows": _track_rows(video),
        "kept": kept,
        "form": form,
    }
    return render(request, "research/video_marking.html", context)


@login_required
@require_GET
def video_face(request, video_id: int, track: int):
    """A track's face at its best frame, for its uploader only, never cached."""
    video = access.get_video_for_uploader(request.user, video_id)
    row = get_object_or_404(video.tracks.select_related("video"), number=track)
    try:
        jpeg = videos.face_picture(row)
    except DecryptionFailed:
        raise Http404("This picture cannot be read.") from None
    response = HttpResponse(jpeg, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def video_progress(request, video_id: int):
    """The progress fragment that the project page asks for every few seconds."""
    video = access.get_video_for_user(request.user, video_id)
    return render(request, "research/video_progress.html", video_context(request.user, video))


def video_context(user, video: Video) -> dict:
    material = video.material
    progress = videos.progress(video)
    return {
        "video": video,
        "material": material,
        "progress": progress,
        "busy": video.stage in videos.BUSY,
        "time_left": videos.time_left_text(progress.seconds_left),
        "failure": videos.failure_message(video.error) if video.error else "",
        "stuck": videos.is_stuck(video),
        "can_retry": videos.can_retry(video)
        and not material.project.has_ended(timezone.localdate()),
        "is_uploader": material.uploaded_by_id == user.pk,
        "can_mark": videos.can_mark(video),
    }


@login_required
@require_POST
def video_retry(request, video_id: int):
    video = access.get_video_for_user(request.user, video_id)
    if video.material.project.has_ended(timezone.localdate()):
        raise PermissionDenied
    if videos.retry(video, actor=request.user):
        messages.success(request, _("The video is being processed again."))
    else:
        messages.info(request, _("There is nothing to try again: the video is being processed."))
    return redirect("research_project", project_id=video.material.project_id)
