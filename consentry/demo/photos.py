"""Two photos of group Zonnebloem for the demo (`consentry seed_demo`), so that the photo gate
can be tried at once: uploaded by the teacher through the real upload service, which stores
them encrypted and queues face detection for the worker.

The pictures are drawn here with Pillow (no files, no optional packages): simple figures
on a schoolyard and indoors, the same bytes on every run.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter

from consentry.accounts.models import User
from consentry.photos.models import Photo
from consentry.photos.services import store_upload
from consentry.schools.models import Group

SIZE = (1200, 800)
HAIR = (70, 45, 25)
SKIN = [(241, 194, 125), (198, 134, 66), (141, 85, 36), (255, 219, 172), (224, 172, 105)]
SHIRTS = [(220, 60, 60), (60, 120, 220), (250, 200, 40), (80, 170, 90), (160, 90, 200)]

# (file name, sky colour, ground colour, figures as (centre x, head radius))
PHOTOS = [
    (
        "schoolplein-zonnebloem.jpg",
        (150, 200, 245),
        (120, 180, 90),
        [(250, 60), (600, 70), (950, 60)],
    ),
    ("knutselmiddag-zonnebloem.jpg", (240, 230, 210), (190, 150, 110), [(380, 80), (820, 75)]),
]


def draw(sky: tuple, ground: tuple, figures: list[tuple[int, int]]) -> bytes:
    """A JPEG of simple figures in front of a background. The faces have hair, eyes, brows,
    nose, mouth and ears, enough for the demo's face detector to find them."""
    width, height = SIZE
    image = Image.new("RGB", SIZE, sky)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, height * 2 // 3, width, height), fill=ground)
    cy = height * 3 // 8
    for i, (cx, r) in enumerate(figures):
        skin, shirt = SKIN[i % len(SKIN)], SHIRTS[i % len(SHIRTS)]
        pen.rounded_rectangle(
            (cx - r * 1.4, cy + r * 1.2, cx + r * 1.4, height - 20), radius=r // 2, fill=shirt
        )
        pen.rectangle((cx - r * 0.3, cy + r * 0.9, cx + r * 0.3, cy + r * 1.4), fill=skin)
        _face(pen, cx, cy, r, skin)
    image = image.filter(ImageFilter.GaussianBlur(1.5))  # soft edges, as a camera has
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _face(pen: ImageDraw.ImageDraw, cx: int, cy: int, r: int, skin: tuple) -> None:
    pen.ellipse((cx - r * 1.1, cy - r * 1.35, cx + r * 1.1, cy + r * 0.6), fill=HAIR)
    pen.ellipse((cx - r, cy - r * 1.15, cx + r, cy + r * 1.25), fill=skin)
    pen.chord((cx - r * 1.05, cy - r * 1.35, cx + r * 1.05, cy - r * 0.1), 180, 360, fill=HAIR)
    for side in (-1, 1):
        ex = cx + side * r * 0.38
        pen.ellipse((ex - r * 0.22, cy - r * 0.11, ex + r * 0.22, cy + r * 0.11), fill="white")
        pen.ellipse((ex - r * 0.1, cy - r * 0.1, ex + r * 0.1, cy + r * 0.1), fill=(60, 40, 30))
        pen.ellipse((ex - r * 0.04, cy - r * 0.04, ex + r * 0.04, cy + r * 0.04), fill="black")
        brow = (ex - r * 0.25, cy - r * 0.25, ex + r * 0.22, cy - r * 0.28)
        pen.line(brow, fill=(60, 40, 25), width=max(2, int(r * 0.07)))
        ear = cx + side * r
        pen.ellipse((ear - r * 0.12, cy - r * 0.05, ear + r * 0.12, cy + r * 0.35), fill=skin)
    shade = tuple(int(c * 0.8) for c in skin)
    nose = [(cx, cy + r * 0.05), (cx - r * 0.12, cy + r * 0.45), (cx + r * 0.12, cy + r * 0.45)]
    pen.polygon(nose, fill=shade)
    pen.chord(
        (cx - r * 0.35, cy + r * 0.55, cx + r * 0.35, cy + r * 0.85), 0, 180, fill=(170, 70, 70)
    )


def seed_photos(group: Group, teacher: User) -> list[Photo]:
    """Upload the demo photos to `group` as `teacher`; the worker finds their faces."""
    return [
        store_upload(
            group,
            SimpleUploadedFile(name, draw(sky, ground, figures), content_type="image/jpeg"),
            actor=teacher,
        )
        for name, sky, ground, figures in PHOTOS
    ]
