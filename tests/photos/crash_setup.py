"""Run in a subprocess by test_crash.py, against its own file database: a world and a few
large photos whose detection jobs wait for a worker. Prints the photo ids."""

import numpy as np

from consentry.photos.services import store_upload
from tests.photos.helpers import astronaut, encode, upload
from tests.world import make_world

PHOTOS = 4


def main() -> None:
    world = make_world()
    # Twelve astronauts, 2048 x 1536 px: detection takes a noticeable while.
    picture = encode(np.tile(astronaut(), (3, 4, 1)), "JPEG", quality=90)
    ids = [
        store_upload(world.group, upload(picture, f"trip-{n}.jpg"), actor=world.teacher).pk
        for n in range(PHOTOS)
    ]
    print(",".join(map(str, ids)))
