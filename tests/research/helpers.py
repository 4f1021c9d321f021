"""Building blocks for the research tests (and the access table): a project with material."""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from consentry.research.models import Material, Project
from tests.world import World


def pdf() -> bytes:
    """A real one-page PDF, made with pypdf."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def video(container: str = "mp4", codec: str = "mpeg4", frames: int = 3) -> bytes:
    """A real, tiny video (32 x 32 px, a few grey frames), encoded with PyAV's FFmpeg."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for n in range(frames):
            pixels = np.full((32, 32, 3), 40 * n, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


PDF = pdf()
MP4 = video("mp4", "mpeg4")
WEBM = video("webm", "libvpx")


def png(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 50).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS IFD) and with which camera."""
    image = Image.new("RGB", (40, 30), (10, 200, 90))
    exif = Image.Exif()
    exif[0x0110] = "Phone of the teacher"  # Model
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def make_project(world: World, kind: int = 7, *, members=None, ends_in_days: int = 30, **extra):
    project = Project.objects.create(
        school=world.school,
        kind=kind,
        title=extra.pop("title", "Coaching in de klas"),
        external_party=extra.pop("external_party", "Coach Video-interactiebegeleiding"),
        purpose=extra.pop("purpose", "De leerkracht leert van beelden van de eigen les."),
        ends_on=timezone.localdate() + timedelta(days=ends_in_days),
        created_by=world.leadership,
        **extra,
    )
    project.members.set(members if members is not None else [world.teacher])
    return project


def add_material(
    project: Project,
    pupils=(),
    *,
    content: bytes | None = None,
    by=None,
    others: str = Material.Others.NOBODY,
):
    """Material with these pupils ticked and, by default, the uploader's statement that
    nobody else appears in it (`others`)."""
    material = Material(
        project=project,
        kind=Material.Kind.PHOTO,
        original_name="les.png",
        content_type="image/jpeg",
        size=0,
        sha256="0" * 64,
        others=others,
        uploaded_by=by or project.members.first() or project.created_by,
    )
    material.file.save("upload", ContentFile(content or png()), save=False)
    material.size = material.file.size
    material.save()
    material.pupils.set(pupils)
    return material


def make_probe(world: World) -> dict[str, int]:
    """For the access table: a training project with `teacher` as its only member, and one
    item of material (nobody in it, so covered) that the teacher uploaded; and a video the
    teacher uploaded whose drawing failed (so it can be marked again and retried)."""
    project = make_project(world, 7, members=[world.teacher])
    material = add_material(project, [], content=PDF, by=world.teacher)
    video = make_probe_video(project, world.teacher)
    return {"project_id": project.pk, "material_id": material.pk, "video_id": video.pk, "track": 1}


def make_probe_video(project: Project, uploader):
    """A tiny real video, sealed as an upload is, with one track (a made-up face) and its
    picture, marked and then failed while drawing: no detector needed."""
    from consentry.imaging import encode_jpeg
    from consentry.photos import crypto
    from consentry.research import sealing, videos
    from consentry.research.models import Video, VideoTrack

    key, wrapped = crypto.new_wrapped_key()
    name = videos.save_sealed(key, videos.new_name("original"), [MP4])
    material = Material.objects.create(
        project=project,
        kind=Material.Kind.VIDEO,
        file=name,
        original_name="les.mp4",
        content_type="video/mp4",
        size=len(MP4),
        sha256="0" * 64,
        others=Material.Others.NOBODY,
        uploaded_by=uploader,
    )
    info = {"width": 32, "height": 32, "fps": [5, 1], "frames": 3, "duration": 0.6}
    video = Video.objects.create(
        material=material,
        wrapped_key=wrapped,
        info={**info, "codec": "mpeg4", "has_audio": False, "rotation": 0},
        stage=Video.Stage.FAILED,
        failed_stage=Video.Stage.RENDERING,
        error="processing_failed",
        marked_by=uploader,
        marked_at=timezone.now(),
    )
    face = encode_jpeg(__import__("numpy").full((8, 8, 3), 128, "uint8"))
    VideoTrack.objects.create(
        video=video,
        number=1,
        first_frame=0,
        last_frame=2,
        best_frame=1,
        data={"number": 1, "detected": {"1": [8, 8, 8, 8, 0.9]}, "boxes": {"1": [8, 8, 8, 8]}},
        face=sealing.seal_bytes(key, face, bound_to=videos.face_name(video, 1)),
    )
    return video


def probe_body(world: World, name: str) -> dict:
    """For the access table: bodies that change something when let through."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = {
        "kind": "7",
        "title": "Probe",
        "external_party": "Probe",
        "purpose": "Probe",
        "members": [str(world.teacher.pk)],
        "ends_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    return {
        "research_project_create": project,
        "research_project_edit": project,
        "research_material_upload": {
            "file": SimpleUploadedFile("probe.pdf", PDF),
            "no_pupils": "on",
            "others": "nobody",
        },
        "research_material_tags": {"pupils": [str(world.emma.pk)], "others": "nobody"},
    }.get(name, {})


def astronaut_video(seconds: float = 1.0, fps: int = 8) -> bytes:
    """The imaging tests' clip (tests/imaging/videos.py): two copies of scikit-image's
    astronaut side by side, moving a little, with sound and a phone's metadata tags."""
    import tempfile
    from pathlib import Path

    from tests.imaging.videos import two_astronauts

    with tempfile.TemporaryDirectory() as folder:
        path = two_astronauts(Path(folder) / "clip.mp4", seconds=seconds, fps=fps)
        return path.read_bytes()


def make_research_project(world: World, **extra) -> Project:
    """A kind 6 project about Emma whose separate request both her guardians answered yes:
    the subject is covered."""
    from consentry.adhoc import services as adhoc

    consent_request = adhoc.create_request(
        school=world.school,
        actor=world.leadership,
        purpose="Research: observatie",
        description="Observatie in de groep.",
        pupils=[world.emma],
        deadline=timezone.localdate() + timedelta(days=10),
        send=True,
    )
    for guardian in (world.parent, world.other_parent):
        adhoc.answer(guardian, consent_request, world.emma, True)
    return make_project(
        world, 6, subject=world.emma, consent_request=consent_request, title="Observatie", **extra
    )
