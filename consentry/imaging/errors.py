"""The one exception that the imaging engine raises for a photo it will not process.

Every way an upload can be bad (not an image, damaged, too big, animated, ...) ends in
`ImageRejected`, so callers (the CLI now, the photo gate later) need one `except` and can
show `message` to a teacher as it is: it never contains a path, a library's wording or
other internals. `code` is stable and meant for translation or tests.
"""

from __future__ import annotations

from typing import Literal

RejectionCode = Literal[
    "empty",
    "not_an_image",
    "damaged",
    "file_too_large",
    "too_many_pixels",
    "animated",
    "metadata_too_large",
    "unsupported_colour",
]


class ImageRejected(ValueError):
    """A photo the engine refuses, with a stable `code` and a user-safe `message`."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message)
        self.code: RejectionCode = code
        self.message = message
