"""The background work on a research video: find faces, link them, draw, join.

Each function is one job (`tasks.py`), takes primary keys and may run twice or again after
its worker was killed (videos.py says how the stages follow each other). The slow part runs
outside any transaction, on a decrypted copy in a private temporary folder (`workdir`);
what it made is written in one transaction with the video's row locked first, and a piece
already finished, or a stage already left, is skipped. A refusal of the video engine or any
error stops the video with a stable code (`fail`), which `videos.retry` resumes.
"""

import hashlib
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from consentry.imaging import Face, encode_jpeg, fit_within
from consentry.imaging.tracks import Track, hidden_boxes, link
from consentry.imaging.video import (
    VideoInfo,
    VideoRejected,
    detect_range,
    join,
    render_range,
    still,
    video_detector,
)
from consentry.photos import crypto
from consentry.processors.storage import private_storage

from . import sealing
from .models import Video, VideoPiece, VideoTrack
from .videos import (
    Stage,
    Step,
    data_key,
    delete_files,
    drop_rendering,
    face_name,
    file_chunks,
    locked,
    move,
    new_name,
    open_sealed,
    save_sealed,
    unfinished,
    video_info,
)

logger = logging.getLogger(__name__)

WORKDIR_PREFIX = "consentry-video-"
FACE_SIDE = 160  # the face pictures for marking, at most this many pixels high or wide

# The temporary plaintext for FFmpeg


@contextmanager
def workdir() -> Iterator[Path]:
    """A private temporary folder (mode 0700), removed afterwards, whatever happens. Its
    name carries the machine and the process id, so that one left by a killed worker can be
    recognised."""
    _remove_dead_workdirs()
    folder = Path(tempfile.mkdtemp(prefix=workdir_prefix(os.getpid())))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def workdir_prefix(pid: int) -> str:
    machine = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    return f"{WORKDIR_PREFIX}{machine}-{pid}-"


def _remove_dead_workdirs() -> None:
    """Remove the temporary folders of worker processes on this machine that have died (a
    killed worker cannot clean up: its decrypted copy would stay). Another machine's
    folders (a shared temporary folder) are left alone: its processes are not ours to ask."""
    mine = workdir_prefix(0).removesuffix("0-")
    for folder in Path(tempfile.gettempdir()).glob(f"{mine}*"):
        pid = folder.name.removeprefix(mine).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to touch
        return True
    return True


def decrypt_to(key: bytes, name: str, path: Path) -> Path:
    with open(path, "wb") as out:
        for chunk in open_sealed(key, name):
            out.write(chunk)
    return path


@contextmanager
def original_copy(video: Video) -> Iterator[Path]:
    """The decrypted original in a private temporary folder, for the length of the block."""
    with workdir() as folder:
        yield decrypt_to(data_key(video), str(video.material.file.name), folder / "original")


@cache
def detector():
    """One detector per worker process, loaded on first use (loading a network takes time)."""
    return video_detector()


def _run(video: Video, work):
    """Run `work()`; a refusal or any error stops the video with a code (never half-done)."""
    try:
        return work(), ""
    except VideoRejected as rejected:
        return None, rejected.code
    except crypto.DecryptionFailed:
        return None, "unreadable"
    except Exception:
        logger.exception("Processing research video %s failed", video.pk)
        return None, "processing_failed"


def fail(video_id: int, code: str, stage: str, piece_id: int | None = None) -> str:
    """Stop the video at `stage` with a code; not when the video has left that stage, or the
    piece was finished or replaced meanwhile (a new marking): the failure is not theirs."""
    with transaction.atomic():
        video = locked(video_id)
        if video is None or video.stage != stage:
            return "skipped"
        unfinished_piece = VideoPiece.objects.filter(pk=piece_id or 0, finished_at=None)
        if piece_id is not None and not unfinished_piece.exists():
            return "skipped"
        video.failed_stage, video.error = video.stage, code
        video.stage = Stage.FAILED
        video.save(update_fields=["stage", "failed_stage", "error"])
    return "failed"


def _piece_to_do(piece_id: int, step: str, stage: str) -> VideoPiece | None:
    piece = (
        VideoPiece.objects.select_related("video__material")
        .filter(pk=piece_id, step=step, finished_at=None)
        .first()
    )
    if piece is None or piece.video.stage != stage:
        return None
    return piece


def detect_piece(piece_id: int) -> str:
    """Find the faces of one piece (safe to run twice, and to be killed: module docstring)."""
    piece = _piece_to_do(piece_id, Step.DETECT, Stage.DETECTING)
    if piece is None:
        return "skipped"
    video = piece.video

    def work():
        with original_copy(video) as path:
            return detect_range(path, detector(), piece.first, piece.end, info=video_info(video))

    found, code = _run(video, work)
    if code:
        return fail(video.pk, code, Stage.DETECTING, piece.pk)
    return _finish_detect(video.pk, piece.pk, found)


def _finish_detect(video_id: int, piece_id: int, found: dict[int, list[Face]]) -> str:
    """The piece's faces and, after the last piece, the start of linking: one transaction,
    decided with the video's row locked (first the video, then the piece, always)."""
    with transaction.atomic():
        video = locked(video_id)
        if video is None or video.stage not in (Stage.DETECTING, Stage.FAILED):
            return "skipped"
        piece = VideoPiece.objects.select_for_update().filter(pk=piece_id).first()
        if piece is None or piece.finished_at is not None:
            return "skipped"
        piece.faces = {str(n): [face.as_list() for face in faces] for n, faces in found.items()}
        piece.finished_at = video.progressed_at = timezone.now()
        piece.save(update_fields=["faces", "finished_at"])
        video.save(update_fields=["progressed_at"])
        if video.stage == Stage.DETECTING and not unfinished(video, Step.DETECT).exists():
            move(video, Stage.LINKING)
            from .tasks import link_tracks

            link_tracks.enqueue(video.pk)
    return "done"


def detections(video: Video) -> dict[int, list[Face]]:
    found: dict[int, list[Face]] = {}
    for faces in video.pieces.filter(step=Step.DETECT).values_list("faces", flat=True):
        for frame, boxes in (faces or {}).items():
            found[int(frame)] = [Face(*box) for box in boxes]
    return found


def link_video(video_id: int) -> str:
    """Link the faces of all pieces into tracks, with a sealed picture of each track's face;
    then the uploader marks. A rerun replaces the tracks of an earlier, unfinished run."""
    video = Video.objects.select_related("material").filter(pk=video_id).first()
    if video is None or video.stage != Stage.LINKING:
        return "skipped"
    info = video_info(video)

    def work():
        tracks = link(detections(video), info.frames)
        key = data_key(video)
        with original_copy(video) as path:
            faces = _face_pictures(path, info, tracks)
        return [
            VideoTrack(
                video=video,
                number=track.number,
                first_frame=track.first,
                last_frame=track.last,
                best_frame=track.best_frame,
                data=track.as_json(),
                face=sealing.seal_bytes(
                    key, faces[track.number], bound_to=face_name(video, track.number)
                ),
            )
            for track in tracks
        ]

    rows, code = _run(video, work)
    if code:
        return fail(video.pk, code, Stage.LINKING)
    with transaction.atomic():
        current = locked(video_id)
        if current is None or current.stage != Stage.LINKING:
            return "skipped"
        current.tracks.all().delete()
        VideoTrack.objects.bulk_create(rows)
        move(current, Stage.MARKING)
    return "linked"


def _face_pictures(path: Path, info: VideoInfo, tracks: list[Track]) -> dict[int, bytes]:
    """Per track, a JPEG (no metadata) of its face at its best frame, with some margin."""
    pictures: dict[int, bytes] = {}
    by_frame: dict[int, list[Track]] = {}
    for track in tracks:
        by_frame.setdefault(track.best_frame, []).append(track)
    for frame, some in sorted(by_frame.items()):
        rgb = still(path, frame, info)
        for track in some:
            face = track.detected[frame]
            margin_x, margin_y = face.w * 0.3, face.h * 0.3
            x0, y0 = max(0, int(face.x - margin_x)), max(0, int(face.y - margin_y))
            x1 = min(rgb.shape[1], int(face.x + face.w + margin_x) + 1)
            y1 = min(rgb.shape[0], int(face.y + face.h + margin_y) + 1)
            crop = rgb[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else rgb
            pictures[track.number] = encode_jpeg(_fit(crop, FACE_SIDE), quality=85)
    return pictures


def _fit(rgb, side: int):
    return fit_within(rgb, side)[0]


# Drawing


def hide_in(video: Video, first: int, end: int) -> dict[int, list]:
    """The boxes to blur in frames [first, end): every track that was not marked visible."""
    tracks = [Track.from_json(data) for data in video.tracks.values_list("data", flat=True)]
    keep = set(video.tracks.filter(kept=True).values_list("number", flat=True))
    return {
        frame: boxes for frame, boxes in hidden_boxes(tracks, keep).items() if first <= frame < end
    }


def render_piece(piece_id: int) -> str:
    """Draw one piece with every other face blurred, sealed (safe to run twice)."""
    piece = _piece_to_do(piece_id, Step.RENDER, Stage.RENDERING)
    if piece is None:
        return "skipped"
    video = piece.video

    def work():
        hide = hide_in(video, piece.first, piece.end)
        with original_copy(video) as path:
            out = path.parent / "piece.mp4"
            render_range(path, out, piece.first, piece.end, hide, info=video_info(video))
            return save_sealed(data_key(video), new_name("piece"), file_chunks(out))

    name, code = _run(video, work)
    if code:
        return fail(video.pk, code, Stage.RENDERING, piece.pk)
    return _finish_render(video.pk, piece.pk, name)


def _finish_render(video_id: int, piece_id: int, name: str) -> str:
    with transaction.atomic():
        video = locked(video_id)
        piece = VideoPiece.objects.select_for_update().filter(pk=piece_id).first()
        drawing = video is not None and video.stage in (Stage.RENDERING, Stage.FAILED)
        if video is None or not drawing or piece is None or piece.finished_at is not None:
            transaction.on_commit(lambda: private_storage.delete(name))  # a marking replaced it
            return "skipped"
        piece.storage_name, piece.finished_at = name, timezone.now()
        piece.save(update_fields=["storage_name", "finished_at"])
        video.progressed_at = piece.finished_at
        video.save(update_fields=["progressed_at"])
        if video.stage == Stage.RENDERING and not unfinished(video, Step.RENDER).exists():
            move(video, Stage.JOINING)
            from .tasks import join_pieces

            join_pieces.enqueue(video.pk)
    return "done"


def join_video(video_id: int) -> str:
    """Join the drawn pieces into the result, sealed; the pieces are then deleted."""
    video = Video.objects.filter(pk=video_id, stage=Stage.JOINING).first()
    if video is None:
        return "skipped"
    pieces = list(video.pieces.filter(step=Step.RENDER).order_by("index"))

    def work():
        key = data_key(video)
        with workdir() as folder:
            paths = [
                decrypt_to(key, piece.storage_name, folder / f"piece-{piece.index:05d}.mp4")
                for piece in pieces
            ]
            out = folder / "result.mp4"
            join(paths, out)
            digest = hashlib.sha256()
            for chunk in file_chunks(out):
                digest.update(chunk)
            name = save_sealed(key, new_name("result"), file_chunks(out))
            return name, out.stat().st_size, digest.hexdigest()

    result, code = _run(video, work)
    if code:
        return fail(video.pk, code, Stage.JOINING)
    name, size, sha256 = result
    with transaction.atomic():
        current = locked(video_id)
        if current is None or current.stage != Stage.JOINING:
            transaction.on_commit(lambda: private_storage.delete(name))
            return "skipped"
        old = drop_rendering(current)
        current.result_name, current.result_size, current.result_sha256 = name, size, sha256
        current.save(update_fields=["result_name", "result_size", "result_sha256"])
        move(current, Stage.READY)
        transaction.on_commit(lambda: delete_files(old))
    return "ready"
