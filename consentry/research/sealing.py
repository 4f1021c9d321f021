"""Encryption at rest for research videos: AES-256-GCM in chunks, never the whole file in memory.

Why chunks: a photo is sealed whole (photos/crypto.py), but a video may be 500 MB. Each
video gets a data key of its own, wrapped by the master key exactly like a photo's
(`crypto.new_wrapped_key`, so `consentry rotate_master_key` re-wraps it too) and kept only
on the video's row; wiping it destroys the original, the pieces, the result and the face
pictures at once, even in backups of the files.

The format: a header (`MAGIC` and the chunk size), then per chunk of `CHUNK` bytes of
plaintext (the last one shorter, possibly empty) a random 96-bit nonce and the AES-GCM
ciphertext with its tag. Bound in as associated data: what the file is (`bound_to`, usually
its storage name, so a file moved onto another row does not open), the chunk size, the
chunk's index and whether it is the last. So chunks cannot be reordered, dropped, repeated
or swapped between files, and a file cut short at a chunk's edge does not open either: its
new last chunk was not sealed as the last.
"""

import io
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from consentry.photos.crypto import DecryptionFailed

MAGIC = b"CSV1"
CHUNK = 1024 * 1024
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER = struct.Struct(">4sI")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _associated(bound_to: str, chunk_size: int, index: int, last: bool) -> bytes:
    return b"consentry sealed stream\0%s\0%d\0%d\0%d" % (
        bound_to.encode(),
        chunk_size,
        index,
        int(last),
    )


def _rechunk(pieces: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """(chunk, is_last) of exactly `size` bytes but the last, which may be shorter or empty."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) > size:  # more follows this chunk: it cannot be the last
            yield bytes(buffer[:size]), False
            del buffer[:size]
    yield bytes(buffer), True


def seal_stream(
    key: bytes, plaintext: Iterable[bytes], out: BinaryIO, *, bound_to: str, chunk: int = CHUNK
) -> int:
    """Write `plaintext` (pieces of any size) sealed to `out`; the bytes written."""
    aead = AESGCM(key)
    written = out.write(_HEADER.pack(MAGIC, chunk))
    for index, (data, last) in enumerate(_rechunk(plaintext, chunk)):
        nonce = os.urandom(NONCE_BYTES)
        sealed = aead.encrypt(nonce, data, _associated(bound_to, chunk, index, last))
        written += out.write(nonce + sealed)
    return written


def open_stream(key: bytes, source: Readable, *, bound_to: str) -> Iterator[bytes]:
    """The plaintext of a sealed stream, chunk by chunk; `DecryptionFailed` as soon as
    anything does not match (callers must not use what came before: write to a temporary
    file and use it only when the whole stream opened)."""
    header = source.read(_HEADER.size)
    if len(header) != _HEADER.size:
        raise DecryptionFailed("Not a sealed stream.")
    magic, chunk = _HEADER.unpack(header)
    if magic != MAGIC or not 0 < chunk <= 64 * CHUNK:
        raise DecryptionFailed("Not a sealed stream.")
    aead = AESGCM(key)
    block = chunk + NONCE_BYTES + TAG_BYTES
    current = source.read(block)
    index = 0
    while True:
        following = source.read(block)
        last = not following
        if len(current) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed("The sealed stream was cut short.")
        associated = _associated(bound_to, chunk, index, last)
        try:
            yield aead.decrypt(current[:NONCE_BYTES], current[NONCE_BYTES:], associated)
        except InvalidTag:
            raise DecryptionFailed("The sealed stream or its key does not match.") from None
        if last:
            return
        current, index = following, index + 1


def seal_bytes(key: bytes, plaintext: bytes, *, bound_to: str) -> bytes:
    """A small plaintext (a face picture) sealed in the same format."""
    out = io.BytesIO()
    seal_stream(key, [plaintext], out, bound_to=bound_to)
    return out.getvalue()


def open_bytes(key: bytes, sealed: bytes, *, bound_to: str) -> bytes:
    return b"".join(open_stream(key, io.BytesIO(sealed), bound_to=bound_to))
