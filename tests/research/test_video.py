"""Research video: sealed, anonymised in pieces by the workers, marked by its uploader, and
downloaded by members only as the anonymised MP4 while everyone visible is covered."""

import io
import os
import re
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.adhoc import services as adhoc
from consentry.audit.models import AuditEntry
from consentry.photos.crypto import DecryptionFailed
from consentry.research import sealing, services, tasks, video_jobs, videos
from consentry.research.models import Material, Video, VideoPiece, VideoTrack
from tests.files import read_stored, stored_files
from tests.imaging.conftest import detail_energy
from tests.imaging.videos import PHONE_TAGS
from tests.research.helpers import astronaut_video, make_project, make_research_project

FPS = 8
CLIP = astronaut_video(seconds=1.0, fps=FPS)  # 8 frames, two faces: left and right


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(user, project, content: bytes = CLIP, name: str = "les.mp4"):
    url = reverse("research_material_upload", args=[project.pk])
    return client_for(user).post(url, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture(autouse=True)
def small_pieces(settings):
    settings.RESEARCH_VIDEO_PIECE_SECONDS = 0.375  # 3 frames: pieces of 3, 3 and 2 frames


@pytest.fixture
def research(world):
    return make_research_project(world)


@pytest.fixture
def deferred(settings):
    """Jobs are kept, not run: the test runs them, in the order (and as often) it likes."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "mail", "photos"],
        }
    }
    from django.tasks import default_task_backend

    return default_task_backend


def jobs(backend, task) -> list:
    return [result.args[0] for result in backend.results if result.task.name == task.name]


def left_track(video: Video) -> int:
    """The track of the left astronaut (x below the middle of the frame)."""
    return next(
        track.number
        for track in video.tracks.all()
        if track.data["detected"][str(track.best_frame)][0] < 640
    )


def frames_of(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def energy(gray: np.ndarray, box) -> float:
    x, y, w, h = box
    return detail_energy(gray[y : y + h, x : x + w])


def download(user, material):
    response = client_for(user).get(reverse("research_material", args=[material.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def mark(user, video: Video, keep: list[int], confirmed: bool = True):
    body = {"keep": [str(n) for n in keep], **({"confirmed": "on"} if confirmed else {})}
    url = reverse("research_video_marking", args=[video.pk])
    return client_for(user).post(url, body)


# The whole path


def test_a_video_is_sealed_marked_and_downloaded_only_anonymised(
    world, research, django_capture_on_commit_callbacks
):
    assert upload(world.teacher, research).status_code == 302
    material = Material.objects.get()
    video = material.video
    assert (material.kind, video.stage) == ("video", "marking")  # the jobs ran at once
    assert video.pieces.filter(step="detect").count() == 3
    assert video.tracks.count() >= 2

    # Stored sealed: neither the picture nor the phone's tags are readable on the disk.
    [stored] = stored_files()
    sealed = read_stored(stored)
    assert stored == material.file.name and stored.startswith("research/videos/")
    assert b"ftyp" not in sealed and PHONE_TAGS["title"].encode() not in sealed
    assert CLIP[:4096] not in sealed
    key = videos.data_key(video)
    assert b"".join(sealing.open_stream(key, io.BytesIO(sealed), bound_to=stored)) == CLIP

    # Until it is marked, nothing can be downloaded; the original never.
    response, _ = download(world.teacher, material)
    assert response.status_code == 403

    # The uploader marks the left face as the subject (Emma, covered by the request).
    page = client_for(world.teacher).get(reverse("research_video_marking", args=[video.pk]))
    html = page.content.decode()
    assert "on the left" in html and "on the right" in html and "Emma" in html
    face = client_for(world.teacher).get(reverse("research_video_face", args=[video.pk, 1]))
    assert face["Content-Type"] == "image/jpeg" and face["Cache-Control"] == "private, no-store"
    with django_capture_on_commit_callbacks(execute=True):
        assert mark(world.teacher, video, [left_track(video)]).status_code == 302
    video.refresh_from_db()
    assert video.stage == "ready" and video.result_name
    assert list(material.pupils.all()) == [world.emma]
    entry = AuditEntry.objects.get(action="research.video_marked")
    assert entry.data["kept_tracks"] == [left_track(video)]
    assert entry.data["pupil_ids"] == [world.emma.pk] and "Emma" not in str(entry.data)

    response, body = download(world.teacher, material)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="material-{material.pk}.mp4"'
    assert response["Cache-Control"] == "private, no-store"
    assert body != CLIP and len(body) == video.result_size
    with av.open(io.BytesIO(body)) as container:
        assert not container.streams.audio
        assert not {k for k in container.metadata if k in PHONE_TAGS}
        assert [s.codec_context.name for s in container.streams.video] == ["h264"]
    original, blurred = frames_of(CLIP), frames_of(body)
    assert len(blurred) == len(original) == FPS
    from tests.imaging.videos import face_boxes

    for index, (before, after) in enumerate(zip(original, blurred, strict=True)):
        left, right = face_boxes(index, FPS)
        assert energy(after, right) < 0.2 * energy(before, right), f"frame {index}"
        assert energy(after, left) > 0.6 * energy(before, left), f"frame {index}"
    # Nothing of the work is left: the pieces were joined and deleted.
    assert set(stored_files()) == {material.file.name, video.result_name}


# Spread over workers, and safe to run twice or after a kill


def test_each_piece_job_may_run_twice_and_the_next_stage_starts_once(world, research, deferred):
    assert upload(world.teacher, research).status_code == 302
    video = Video.objects.get()
    pieces = jobs(deferred, tasks.detect_piece)
    assert len(pieces) == 3 and video.stage == "detecting"
    assert [video_jobs.detect_piece(pk) for pk in pieces[:2]] == ["done", "done"]
    assert video_jobs.detect_piece(pieces[0]) == "skipped"  # the same job again
    assert jobs(deferred, tasks.link_tracks) == []
    assert video_jobs.detect_piece(pieces[2]) == "done"
    assert video_jobs.detect_piece(pieces[2]) == "skipped"
    assert jobs(deferred, tasks.link_tracks) == [video.pk]  # exactly once
    faces = dict(VideoPiece.objects.filter(step="detect").values_list("index", "faces"))

    assert video_jobs.link_video(video.pk) == "linked"
    assert video_jobs.link_video(video.pk) == "skipped"
    video.refresh_from_db()
    assert video.stage == "marking"
    assert dict(VideoPiece.objects.filter(step="detect").values_list("index", "faces")) == faces

    mark(world.teacher, video, [left_track(video)])
    renders = jobs(deferred, tasks.render_piece)
    assert len(renders) == 3
    for pk in renders + renders:
        video_jobs.render_piece(pk)
    assert jobs(deferred, tasks.join_pieces) == [video.pk]
    assert video_jobs.join_video(video.pk) == "ready"
    assert video_jobs.join_video(video.pk) == "skipped"


def test_a_piece_job_killed_midway_leaves_nothing_and_runs_again(
    world, research, deferred, monkeypatch
):
    upload(world.teacher, research)
    video = Video.objects.get()
    first, *others = jobs(deferred, tasks.detect_piece)
    seen: list[Path] = []
    real = video_jobs.detect_range

    def killed(path, *args, **kwargs):
        seen.append(Path(path))
        raise KeyboardInterrupt  # as SIGKILL would stop it: no handler runs, nothing after

    monkeypatch.setattr(video_jobs, "detect_range", killed)
    with pytest.raises(KeyboardInterrupt):
        video_jobs.detect_piece(first)
    piece = VideoPiece.objects.get(pk=first)
    assert piece.finished_at is None and piece.faces is None
    assert not seen[0].exists()  # the decrypted copy is gone
    video.refresh_from_db()
    assert video.stage == "detecting"

    # A worker that really died leaves its decrypted copy; the next job removes it.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    left_behind = Path(tempfile.gettempdir()) / f"{video_jobs.workdir_prefix(int(dead))}killed"
    left_behind.mkdir()
    (left_behind / "original").write_bytes(CLIP)

    monkeypatch.setattr(video_jobs, "detect_range", real)
    for pk in [first, *others]:  # the job engine runs the killed job again
        assert video_jobs.detect_piece(pk) == "done"
    assert not left_behind.exists()
    assert jobs(deferred, tasks.link_tracks) == [video.pk]


def test_progress_says_the_stage_how_far_and_how_long(world, research, deferred):
    upload(world.teacher, research)
    video = Video.objects.get()
    url = reverse("research_video_progress", args=[video.pk])
    html = client_for(world.teacher).get(url).content.decode()
    assert "Finding faces" in html and "0 of 3 parts done (0%)" in html
    assert "Estimating the time left" in html and "data-poll" in html

    Video.objects.filter(pk=video.pk).update(stage_started_at=timezone.now() - timedelta(minutes=4))
    video_jobs.detect_piece(jobs(deferred, tasks.detect_piece)[0])
    progress = videos.progress(Video.objects.get())
    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)
    assert 470 <= progress.seconds_left <= 490  # 4 minutes for 1 piece: 8 for the other 2
    html = client_for(world.teacher).get(url).content.decode()
    assert "1 of 3 parts done (33%)" in html and "About 8 minutes left." in html
    assert client_for(world.leadership).get(url).status_code == 200  # manages the project
    assert client_for(world.other_teacher).get(url).status_code == 404


@pytest.mark.parametrize(
    "done, total, elapsed, left",
    [(0, 4, 30.0, None), (1, 4, 30.0, 90), (3, 4, 30.0, 10), (4, 4, 30.0, 0), (2, 10, 5.0, 20)],
)
def test_the_time_left_is_estimated_from_the_pieces_done(done, total, elapsed, left):
    assert videos.estimate_left(done, total, elapsed) == left


def test_a_failure_is_explained_and_can_be_tried_again(world, research, monkeypatch):
    upload(world.teacher, research)
    video = Video.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(video_jobs, "render_range", broken)
    mark(world.teacher, video, [left_track(video)])
    video.refresh_from_db()
    assert (video.stage, video.failed_stage, video.error) == (
        "failed",
        "rendering",
        "processing_failed",
    )
    page = client_for(world.teacher).get(reverse("research_project", args=[research.pk]))
    html = page.content.decode()
    assert "Processing the video failed. Try again." in html
    retry = reverse("research_video_retry", args=[video.pk])
    assert f'action="{retry}"' in html

    monkeypatch.undo()
    assert client_for(world.teacher).post(retry).status_code == 302
    video.refresh_from_db()
    assert video.stage == "ready" and not video.error
    assert AuditEntry.objects.filter(action="research.video_retried").count() == 1
    assert client_for(world.teacher).post(retry).status_code == 302  # nothing to retry
    assert AuditEntry.objects.filter(action="research.video_retried").count() == 1


# Who stays visible


def test_only_the_uploader_marks_and_sees_the_faces(world, research):
    research.members.add(world.other_teacher)
    upload(world.teacher, research)
    video = Video.objects.get()
    marking = reverse("research_video_marking", args=[video.pk])
    face = reverse("research_video_face", args=[video.pk, 1])
    for user, status in ((world.other_teacher, 403), (world.leadership, 404), (world.parent, 404)):
        assert client_for(user).get(marking).status_code == status, user
        assert client_for(user).get(face).status_code == status, user
        assert mark(user, video, [1]).status_code == status, user
    assert not AuditEntry.objects.filter(action="research.video_marked").exists()


def test_kind_6_keeps_only_the_subject_with_a_confirmation(world, research):
    upload(world.teacher, research)
    video = Video.objects.get()
    response = mark(world.teacher, video, [left_track(video)], confirmed=False)
    assert "Confirm who the faces you ticked are." in response.content.decode()
    response = mark(world.teacher, video, [999])
    assert response.status_code == 200  # not a face of this video
    video.refresh_from_db()
    assert video.stage == "marking" and not video.tracks.filter(kept=True).exists()
    assert mark(world.teacher, video, []).status_code == 302  # nobody: everyone blurred
    material = Material.objects.get()
    assert list(material.pupils.all()) == [] and material.others == "nobody"
    assert AuditEntry.objects.get(action="research.video_marked").data["visible"] == "nobody"


def test_kind_7_keeps_a_consenting_adult_only_where_the_project_allows_adults(world):
    no_adults = make_project(world, 7, members=[world.teacher])
    upload(world.teacher, no_adults)
    video = Video.objects.get()
    response = mark(world.teacher, video, [left_track(video)])
    assert "This project allows no adults in its material" in response.content.decode()
    assert not video.tracks.filter(kept=True).exists()

    coached = make_project(world, 7, members=[world.teacher], adults_may_appear=True)
    upload(world.teacher, coached)
    video = Video.objects.get(material__project=coached)
    assert mark(world.teacher, video, [left_track(video)]).status_code == 302
    material = video.material
    material.refresh_from_db()
    assert material.others == "adults" and list(material.pupils.all()) == []
    assert download(world.teacher, material)[0].status_code == 200


def test_a_withdrawn_yes_blocks_the_download_at_once(world, research):
    upload(world.teacher, research)
    video = Video.objects.get()
    mark(world.teacher, video, [left_track(video)])
    material = Material.objects.get()
    assert download(world.teacher, material)[0].status_code == 200
    adhoc.answer(world.other_parent, research.consent_request, world.emma, False)
    assert download(world.teacher, material)[0].status_code == 403
    page = client_for(world.teacher).get(reverse("research_project", args=[research.pk]))
    assert f'href="{reverse("research_material", args=[material.pk])}"' not in page.content.decode()


def test_members_only_and_never_the_original(world, research):
    upload(world.teacher, research)
    video = Video.objects.get()
    mark(world.teacher, video, [left_track(video)])
    material = Material.objects.get()
    for user in (world.leadership, world.privacy_officer, world.parent, world.other_teacher):
        assert download(user, material)[0].status_code == 404, user
    _, body = download(world.teacher, material)
    video.refresh_from_db()
    assert hashlib_of(body) == video.result_sha256 != material.sha256 == hashlib_of(CLIP)


def hashlib_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# Bad uploads


def _clip_with(**options) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        from tests.imaging.videos import two_astronauts

        return two_astronauts(Path(folder) / "c.mp4", **options).read_bytes()


def _audio_only() -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        sound = out.add_stream("aac", rate=44100)
        for block in range(10):
            samples = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            samples.sample_rate, samples.pts = 44100, block * 1024
            for packet in sound.encode(samples):
                out.mux(packet)
        for packet in sound.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def _matroska() -> bytes:
    from tests.research.helpers import video

    return video("matroska", "mpeg4")


def _animated_png() -> bytes:
    from PIL import Image

    frames = [Image.new("RGB", (32, 32), (n * 60, 0, 0)) for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"not a video at all", "les.mp4", "is not a photo"),
        (CLIP[: len(CLIP) // 2], "half.mp4", "damaged or cut short"),
        (_audio_only(), "geluid.mp4", "is not a photo"),
        (_matroska(), "les.mkv", "only MP4 (or MOV) and WebM videos are"),
        (_animated_png(), "les.mp4", "damaged, animated or too large"),
    ],
)
def test_a_bad_video_is_refused_and_nothing_is_stored(world, research, content, name, message):
    response = upload(world.teacher, research, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Material.objects.exists() and not Video.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    "limits, message",
    [
        ({"max_pixels": 640 * 480}, "too large: at most 4K"),
        ({"max_seconds": 0.5}, "too long: at most"),
        ({"max_fps": 5}, "frame rate or its encoding is not supported"),
    ],
)
def test_a_video_beyond_the_limits_is_refused(world, research, settings, limits, message):
    from consentry.imaging.video import VideoLimits

    settings.RESEARCH_VIDEO_LIMITS = VideoLimits(**limits)
    response = upload(world.teacher, research)
    assert message in response.content.decode()
    assert not Material.objects.exists() and stored_files() == []


# Destruction and keys


def test_destruction_removes_original_pieces_result_and_key(
    world, research, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(world.teacher, research)
        video = Video.objects.get()
        mark(world.teacher, video, [left_track(video)])
    material = Material.objects.get()
    assert len(stored_files()) == 2  # the sealed original and the sealed result
    with django_capture_on_commit_callbacks(execute=True):
        assert services.destroy_material(material, services.RULE_END_DATE)
    assert stored_files() == []
    assert not Video.objects.exists() and not VideoTrack.objects.exists()
    assert not VideoPiece.objects.exists()
    material.refresh_from_db()
    assert material.is_destroyed and material.file.name == ""
    entry = AuditEntry.objects.get(action="research.material_destroyed")
    assert entry.data["kind"] == "video"


def test_an_orphan_piece_is_swept(world, research):
    upload(world.teacher, research)
    video = Video.objects.get()
    orphan = videos.save_sealed(videos.data_key(video), videos.new_name("piece"), [b"x"])
    later = timezone.now() + timedelta(days=2)
    assert services.sweep_orphans(later) == [orphan]
    assert stored_files() == [Material.objects.get().file.name]


def test_rotating_the_master_key_rewraps_the_video_keys(world, research, settings, monkeypatch):
    import base64

    from django.core.management import call_command

    upload(world.teacher, research)
    video = Video.objects.get()
    mark(world.teacher, video, [left_track(video)])
    before = b"".join(videos.open_result(Video.objects.get()))
    face = videos.face_picture(VideoTrack.objects.first())
    new = os.urandom(32)
    monkeypatch.setenv("CONSENTRY_NEW_MASTER_KEY", base64.b64encode(new).decode())
    out = io.StringIO()
    call_command("rotate_master_key", stdout=out)
    assert "1 research video key(s)" in out.getvalue()
    with pytest.raises(DecryptionFailed):
        videos.data_key(Video.objects.get())
    settings.MASTER_KEY = new
    assert b"".join(videos.open_result(Video.objects.get())) == before
    assert videos.face_picture(VideoTrack.objects.first()) == face


# The sealed format


KEY = bytes(range(32))


def sealed(data: bytes, chunk: int = 4, bound_to: str = "a") -> bytes:
    out = io.BytesIO()
    sealing.seal_stream(KEY, [data[:3], data[3:]], out, bound_to=bound_to, chunk=chunk)
    return out.getvalue()


def opened(data: bytes, bound_to: str = "a") -> bytes:
    return b"".join(sealing.open_stream(KEY, io.BytesIO(data), bound_to=bound_to))


@pytest.mark.parametrize("size", [0, 1, 4, 7, 8, 13])
def test_a_sealed_stream_opens_whole(size):
    data = bytes(range(size))
    assert opened(sealed(data)) == data


def test_a_sealed_stream_cannot_be_cut_reordered_or_moved():
    data = b"0123456789ab"  # three chunks of four bytes
    whole = sealed(data)
    header, block = 8, 4 + 12 + 16
    chunks = [whole[header + i * block : header + (i + 1) * block] for i in range(3)]
    assert whole == whole[:header] + b"".join(chunks)
    for changed in (
        whole[:header] + chunks[0] + chunks[1],  # cut at a chunk's edge
        whole[:header] + chunks[1] + chunks[0] + chunks[2],  # reordered
        whole[:header] + chunks[0] + chunks[0] + chunks[1] + chunks[2],  # repeated
        whole[:-1],  # cut in the middle of a chunk
        whole[:20] + bytes([whole[20] ^ 1]) + whole[21:],  # one bit flipped
    ):
        with pytest.raises(DecryptionFailed):
            opened(changed)
    with pytest.raises(DecryptionFailed):
        opened(whole, bound_to="b")  # on another row
    assert re.search(rb"\A" + sealing.MAGIC, whole)


def test_marking_again_draws_anew_and_an_earlier_drawing_is_dropped(
    world, research, deferred, django_capture_on_commit_callbacks
):
    upload(world.teacher, research)
    for pk in jobs(deferred, tasks.detect_piece):
        video_jobs.detect_piece(pk)
    video = Video.objects.get()
    video_jobs.link_video(video.pk)
    mark(world.teacher, video, [])  # nobody visible
    earlier = jobs(deferred, tasks.render_piece)
    video_jobs.render_piece(earlier[0])
    drawn = VideoPiece.objects.get(pk=earlier[0]).storage_name
    with django_capture_on_commit_callbacks(execute=True):
        mark(world.teacher, video, [left_track(video)])  # changed: the left face stays
    assert drawn not in stored_files()  # drawn for the earlier marking: deleted
    assert [video_jobs.render_piece(pk) for pk in earlier] == ["skipped"] * 3
    later = [pk for pk in jobs(deferred, tasks.render_piece) if pk not in earlier]
    assert [video_jobs.render_piece(pk) for pk in later] == ["done"] * 3
    assert video_jobs.join_video(video.pk) == "ready"
    assert AuditEntry.objects.filter(action="research.video_marked").count() == 2
