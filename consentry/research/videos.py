"""Research video: stored sealed, anonymised in the background, marked by its uploader.

A classroom video for research or training (leaflet categories 6, 7 and 8) shows far more
people than the one it is about. Consentry keeps visible only the people the uploader marks
(`mark`: the subject of a kind 6 project, the consenting adult of 7 and 8) and blurs every
other face in every frame; members download only that result (`views.material_download`).

The work, spread over workers (`tasks.py` runs `video_jobs.py`; each job takes primary keys
and may run twice):

1. `store_video`: the upload is sealed into the private storage (`sealing.py`, a data key
   of the video's own), then the material, the video, its detect pieces (about five seconds
   of frames each) and one job per piece commit in one transaction.
2. `detect_piece`: the faces of one piece, found outside any transaction and written with
   the piece in one; the job that finishes the last piece decides, with the video's row
   locked, that linking starts: exactly once.
3. `link_tracks`: the faces of all pieces linked into tracks (`imaging.tracks`), and a
   picture of each track's face at its best frame, sealed; then the uploader marks.
4. `mark`: who stays visible; then render pieces and their jobs, as in 1.
5. `render_piece`: one piece drawn with every other face blurred, sealed; the last one
   starts `join_pieces`, which puts the result together (H.264 MP4, no audio, no metadata).

A worker killed at any moment leaves the piece unfinished and nothing half-written; the job
engine runs the job again (a lease or a heartbeat, consentry/jobs). A failure stops the
video with a stable code (`failure_message`); `retry` resumes the stage that failed.
The worker decrypts the original to a private temporary folder for FFmpeg and removes it
afterwards (`video_jobs.workdir`), also one left by a worker that was killed.
"""

import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consentry.accounts.models import User
from consentry.audit.services import record
from consentry.imaging.video import (
    VideoInfo,
)
from consentry.photos import crypto
from consentry.processors.storage import private_storage

from . import sealing
from .models import Material, Project, Video, VideoPiece, VideoTrack
from .uploads import Inspected

FOLDER = "research/videos"
PIECE_SECONDS = 5  # a piece of about this long is one job's work
Stage = Video.Stage
Step = VideoPiece.Step
BUSY = (Stage.DETECTING, Stage.LINKING, Stage.RENDERING, Stage.JOINING)


class MarkingError(ValueError):
    """A marking that the rules do not allow; the message is for the uploader."""


# Storing


def _audit(action: str, material: Material, *, actor, **data) -> None:
    project = material.project
    record(
        action,
        actor=actor,
        obj=material,
        school_id=project.school_id,
        data={"project_id": project.pk, **data},
    )


def new_name(what: str) -> str:
    return f"{FOLDER}/{uuid.uuid4().hex}.{what}"


def data_key(video: Video) -> bytes:
    return crypto.unwrap_key(bytes(video.wrapped_key))


def save_sealed(key: bytes, name: str, plaintext: Iterable[bytes]) -> str:
    """Seal `plaintext` into the private storage under `name` (the name is bound in). The
    ciphertext goes through a temporary file: the storage API wants a file, and for S3 its
    size."""
    with tempfile.TemporaryFile() as sealed:
        sealing.seal_stream(key, plaintext, sealed, bound_to=name)
        sealed.seek(0)
        saved = private_storage.save(name, File(sealed, name=name))
    if saved != name:  # the name was taken: the seal would not open under another one
        private_storage.delete(saved)
        raise RuntimeError(f"The storage renamed {name}.")
    return saved


def open_sealed(key: bytes, name: str) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk (`DecryptionFailed` on any change)."""
    with private_storage.open(name, "rb") as source:
        yield from sealing.open_stream(key, source, bound_to=name)


def file_chunks(path: Path, size: int = sealing.CHUNK) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while chunk := source.read(size):
            yield chunk


def store_video(
    project: Project,
    upload: UploadedFile,
    inspected: Inspected,
    *,
    description: str,
    actor: User,
) -> Material:
    """Seal the upload, then commit the material, its video, its pieces and their jobs
    together. If the commit fails the sealed file is deleted again; a crash in between
    leaves only a file without a row, which `sweep_orphans` removes."""
    assert inspected.video is not None
    key, wrapped = crypto.new_wrapped_key()
    name = save_sealed(key, new_name("original"), upload.chunks())
    try:
        with transaction.atomic():
            material = Material.objects.create(
                project=project,
                kind=Material.Kind.VIDEO,
                file=name,
                original_name=(upload.name or "")[-200:],
                content_type=inspected.content_type,
                size=inspected.size,
                sha256=inspected.sha256,
                description=description,
                uploaded_by=actor,
            )
            video = Video.objects.create(
                material=material, wrapped_key=wrapped, info=inspected.video.as_json()
            )
            _audit(
                "research.material_uploaded",
                material,
                actor=actor,
                kind=material.kind,
                sha256=material.sha256,
                size=material.size,
                frames=inspected.video.frames,
            )
            start_pieces(video, Step.DETECT)
    except BaseException:
        private_storage.delete(name)
        raise
    return material


def video_info(video: Video) -> VideoInfo:
    return VideoInfo.from_json(video.info)


def frames_per_piece(info: VideoInfo) -> int:
    seconds = getattr(settings, "RESEARCH_VIDEO_PIECE_SECONDS", PIECE_SECONDS)
    return max(1, round(float(info.fps) * seconds))


def start_pieces(video: Video, step: str) -> None:
    """The pieces of one step and a job per piece, in the caller's transaction: the jobs
    exist exactly when the pieces do."""
    from .tasks import detect_piece, render_piece

    ranges = video_info(video).pieces(frames_per_piece(video_info(video)))
    pieces = VideoPiece.objects.bulk_create(
        VideoPiece(video=video, step=step, index=index, first=first, end=end)
        for index, (first, end) in enumerate(ranges)
    )
    job = detect_piece if step == Step.DETECT else render_piece
    for piece in pieces:
        job.enqueue(piece.pk)


# The video's row


def locked(video_id: int) -> Video | None:
    return Video.objects.select_for_update().filter(pk=video_id).first()


def move(video: Video, stage: str, now: datetime | None = None) -> None:
    video.stage = stage
    video.stage_started_at = video.progressed_at = now or timezone.now()
    video.save(update_fields=["stage", "stage_started_at", "progressed_at"])


def unfinished(video: Video, step: str):
    return VideoPiece.objects.filter(video=video, step=step, finished_at=None)


def face_name(video: Video, number: int) -> str:
    """What a face picture is bound to: this video's track, and no other."""
    return f"research video {video.pk} track {number}"


def face_picture(track: VideoTrack) -> bytes:
    video = track.video
    key = data_key(video)
    return sealing.open_bytes(key, bytes(track.face), bound_to=face_name(video, track.number))


# Marking


@dataclass(frozen=True)
class Marking:
    """What may be marked visible in a project's video, and what the uploader confirms."""

    allowed: bool
    who: str  # "subject" or "adult"
    confirmation: str
    refusal: str = ""


def marking_rules(project: Project) -> Marking:
    """Kind 6 keeps only the subject (the separate request decides whether they may be
    seen: coverage.py); 7 and 8 keep only the adult being coached or studied, who agreed,
    and only in a project that allows adults. Everyone else stays blurred."""
    if project.kind == Project.Kind.RESEARCH:
        name = project.subject.full_name if project.subject else ""
        return Marking(
            allowed=project.subject is not None,
            who="subject",
            confirmation=_("Every face I ticked is %(name)s, the pupil this research is about.")
            % {"name": name},
            refusal=_("This project has no pupil it is about any more: nobody can stay visible."),
        )
    return Marking(
        allowed=project.adults_may_appear,
        who="adult",
        confirmation=_(
            "Every face I ticked is the adult this project is about, who agreed to be visible."
        ),
        refusal=_(
            "This project allows no adults in its material: nobody can stay visible, "
            "everyone is blurred."
        ),
    )


def can_mark(video: Video) -> bool:
    """Once the tracks are there, and again later (which draws the video anew)."""
    if video.stage == Stage.FAILED:
        return video.failed_stage in (Stage.RENDERING, Stage.JOINING)
    return video.stage in (Stage.MARKING, Stage.RENDERING, Stage.JOINING, Stage.READY)


def mark(video: Video, keep: Iterable[int], *, actor: User, confirmed: bool) -> None:
    """Record who stays visible (track numbers), then draw the video anew in pieces.

    Audited with ids only. The material's record follows (the subject as its pupil, or
    consenting adults), so that coverage, erasure and the export see who is visible. A
    result drawn for an earlier marking is destroyed: it no longer says what was decided.
    """
    from .services import check_open

    material = video.material
    project = material.project
    check_open(project)
    keep = set(keep)
    rules = marking_rules(project)
    if keep and not rules.allowed:
        raise MarkingError(rules.refusal)
    if keep and not confirmed:
        raise MarkingError(_("Confirm who the faces you ticked are."))
    with transaction.atomic():
        current = locked(video.pk)
        if current is None or not can_mark(current):
            raise MarkingError(_("This video cannot be marked now."))
        numbers = set(current.tracks.values_list("number", flat=True))
        if not keep <= numbers:
            raise MarkingError(_("Tick only faces of this video."))
        current.tracks.update(kept=False)
        current.tracks.filter(number__in=keep).update(kept=True)
        visible = rules.who if keep else "nobody"
        subject = project.subject if visible == "subject" else None
        material.pupils.set([subject] if subject is not None else [])
        material.others = Material.Others.ADULTS if visible == "adult" else Material.Others.NOBODY
        material.save(update_fields=["others"])
        old = drop_rendering(current)
        current.marked_by, current.marked_at = actor, timezone.now()
        current.failed_stage = current.error = ""
        current.save(update_fields=["marked_by", "marked_at", "failed_stage", "error"])
        move(current, Stage.RENDERING)
        _audit(
            "research.video_marked",
            material,
            actor=actor,
            kept_tracks=sorted(keep),
            tracks=len(numbers),
            visible=visible,
            pupil_ids=[project.subject_id] if visible == "subject" else [],
        )
        start_pieces(current, Step.RENDER)
        transaction.on_commit(lambda: delete_files(old))


def drop_rendering(video: Video) -> list[str]:
    """Forget the render pieces and the result of an earlier marking; their file names."""
    pieces = video.pieces.filter(step=Step.RENDER)
    names = [name for name in pieces.values_list("storage_name", flat=True) if name]
    pieces.delete()
    if video.result_name:
        names.append(video.result_name)
        video.result_name, video.result_size, video.result_sha256 = "", 0, ""
        video.save(update_fields=["result_name", "result_size", "result_sha256"])
    return names


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        private_storage.delete(name)


def open_result(video: Video) -> Iterator[bytes]:
    """The anonymised MP4, decrypted chunk by chunk (for the download)."""
    return open_sealed(data_key(video), video.result_name)


# Failures, retries and progress

FAILURES = {
    "unreadable": gettext_lazy("The stored video cannot be read. Upload it again."),
    "damaged": gettext_lazy("This video is damaged or cut short and cannot be read."),
    "processing_failed": gettext_lazy("Processing the video failed. Try again."),
}


def failure_message(code: str) -> str:
    """Why processing stopped, for the page (the row keeps a stable code)."""
    if code in FAILURES:
        return str(FAILURES[code])
    from .uploads import video_rejection_message

    return video_rejection_message(code)


def is_stuck(video: Video, now: datetime | None = None) -> bool:
    """Busy without progress for longer than two worker leases: its worker probably died.
    The job engine runs the job again by itself; the page also offers to try again."""
    lease = timedelta(seconds=settings.JOB_LEASE_SECONDS)
    return video.stage in BUSY and (now or timezone.now()) - video.progressed_at > 2 * lease


def can_retry(video: Video) -> bool:
    return video.stage == Stage.FAILED or is_stuck(video)


def retry(video: Video, *, actor: User) -> bool:
    """Resume the stage that failed (or is stuck): only its unfinished pieces run again."""
    from .tasks import detect_piece, join_pieces, link_tracks, render_piece

    with transaction.atomic():
        current = locked(video.pk)
        if current is None or not can_retry(current):
            return False
        stage = current.failed_stage if current.stage == Stage.FAILED else current.stage
        current.failed_stage = current.error = ""
        current.save(update_fields=["failed_stage", "error"])
        move(current, stage)
        material = current.material
        _audit("research.video_retried", material, actor=actor, stage=stage)
        if stage in (Stage.DETECTING, Stage.RENDERING):
            step, job = (
                (Step.DETECT, detect_piece)
                if stage == Stage.DETECTING
                else (Step.RENDER, render_piece)
            )
            for piece_id in unfinished(current, step).values_list("pk", flat=True):
                job.enqueue(piece_id)
        elif stage == Stage.LINKING:
            link_tracks.enqueue(current.pk)
        elif stage == Stage.JOINING:
            join_pieces.enqueue(current.pk)
    return True


@dataclass(frozen=True)
class Progress:
    stage: str
    label: str
    done: int  # pieces of this stage finished
    total: int  # pieces of this stage (0: a stage of one job)
    seconds_left: int | None  # None: not known yet

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def estimate_left(done: int, total: int, elapsed: float) -> int | None:
    """Seconds left, from how long the pieces done so far took (however many workers
    share them: what counts is pieces per second); None before the first piece is done."""
    if done <= 0 or total <= done:
        return None if done <= 0 else 0
    return round(elapsed / done * (total - done))


def progress(video: Video, now: datetime | None = None) -> Progress:
    now = now or timezone.now()
    steps = {Stage.DETECTING.value: Step.DETECT, Stage.RENDERING.value: Step.RENDER}
    step = steps.get(video.stage)
    done = total = 0
    left = None
    if step is not None:
        pieces = video.pieces.filter(step=step)
        total = pieces.count()
        done = pieces.exclude(finished_at=None).count()
        left = estimate_left(done, total, (now - video.stage_started_at).total_seconds())
    return Progress(video.stage, video.get_stage_display(), done, total, left)


def time_left_text(seconds: int | None) -> str:
    if seconds is None:
        return _("Estimating the time left…")
    if seconds < 60:
        return _("Less than a minute left.")
    minutes = round(seconds / 60)
    return ngettext("About %(n)d minute left.", "About %(n)d minutes left.", minutes) % {
        "n": minutes
    }


# Destruction


def destroy(material: Material) -> list[str]:
    """Forget a video's key, tracks and pieces (the caller's transaction) and return the
    names of its files to delete after the commit. Without the key nothing of it opens,
    even in a backup."""
    video = Video.objects.filter(material=material).first()
    if video is None:
        return []
    names = [n for n in video.pieces.values_list("storage_name", flat=True) if n]
    if video.result_name:
        names.append(video.result_name)
    video.delete()  # the wrapped key, the tracks (boxes, sealed faces) and the pieces
    return names


def live_names() -> set[str]:
    """Every video file that a row still points at (for `services.sweep_orphans`)."""
    pieces = VideoPiece.objects.exclude(storage_name="").values_list("storage_name", flat=True)
    results = Video.objects.exclude(result_name="").values_list("result_name", flat=True)
    originals = Material.objects.live().filter(kind=Material.Kind.VIDEO)
    return {*pieces, *results, *originals.values_list("file", flat=True)}
