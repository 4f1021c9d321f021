"""Building blocks for the tests of separate consent requests (and the access table)."""

import io
from datetime import date, datetime, timedelta

from django.utils import timezone
from PIL import Image

from consentry.adhoc.models import ConsentRequest
from consentry.adhoc.services import create_request
from consentry.schools.models import Pupil
from tests.world import World


def image_bytes(fmt: str = "JPEG", size=(64, 48), secret: str = "") -> bytes:
    """A small real image; `secret` goes into its EXIF, to prove it is dropped."""
    image = Image.new("RGB", size, (30, 120, 200))
    buffer = io.BytesIO()
    extra = {}
    if secret:
        exif = Image.Exif()
        exif[0x010F] = secret  # Make
        exif[0x010E] = secret  # ImageDescription
        extra["exif"] = exif.tobytes()
    image.save(buffer, fmt, **extra)
    return buffer.getvalue()


def ask(
    world: World,
    *pupils: Pupil,
    deadline: date | None = None,
    send: bool = True,
    preview: bytes | None = None,
    now: datetime | None = None,
) -> ConsentRequest:
    """The teacher of group Zon asks about Emma (or the pupils given), sent at once."""
    return create_request(
        school=world.school,
        actor=world.leadership
        if any(p.group_id != world.group.pk for p in pupils)
        else world.teacher,
        purpose="Photo in the regional paper",
        description="After sports day the paper would like to print one photo.",
        pupils=list(pupils) or [world.emma],
        deadline=deadline or timezone.localdate() + timedelta(days=7),
        preview=preview,
        send=send,
        now=now,
    )


def make_probe_request(world: World) -> ConsentRequest:
    """For the access table: a sent request about Emma, by her teacher, with a preview."""
    return ask(world, preview=image_bytes())


def after_deadline(consent_request: ConsentRequest) -> datetime:
    return consent_request.closes_at + timedelta(minutes=1)
