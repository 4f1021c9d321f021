"""Encryption at rest for photos: a fresh key per file, wrapped by the master key.

Why: an original photo shows children's faces before the gate has blurred anything, so a
copied disk or backup must show nothing. Each file gets its own random 256-bit data key and
is sealed with AES-256-GCM (random 96-bit nonce, stored in front of the ciphertext). The data
key is itself sealed with AES-256-GCM under `settings.MASTER_KEY` (from the environment) and
kept on the photo's row, never next to the file. Wiping that wrapped key destroys the photo,
even in backups of the files. The storage name is bound in as associated data, so a file
moved onto another row does not decrypt.

The master key can be replaced (`consentry rotate_master_key`, photos/rotation.py): every
data key is unwrapped with the old one and wrapped again with the new one (`rewrap`); the
files themselves never change. Its `fingerprint` names a key without giving it away, so that
a backup can say which master key its photos need.
"""

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12
_KEY_PURPOSE = b"consentry photo data key"


class DecryptionFailed(ValueError):
    """The file or its wrapped key was changed, or the key was destroyed."""


@dataclass(frozen=True, slots=True)
class Sealed:
    ciphertext: bytes  # nonce + AES-GCM(data key) of the plaintext
    wrapped_key: bytes  # nonce + AES-GCM(master key) of the data key


def seal(plaintext: bytes, *, bound_to: str) -> Sealed:
    """Encrypt `plaintext` under a new data key; `bound_to` is usually the storage name."""
    data_key = AESGCM.generate_key(bit_length=256)
    return Sealed(
        ciphertext=_encrypt(data_key, plaintext, bound_to.encode()),
        wrapped_key=_encrypt(settings.MASTER_KEY, data_key, _KEY_PURPOSE),
    )


def unseal(ciphertext: bytes, wrapped_key: bytes, *, bound_to: str) -> bytes:
    """The plaintext, or `DecryptionFailed` if anything was tampered with or destroyed."""
    data_key = _decrypt(settings.MASTER_KEY, wrapped_key, _KEY_PURPOSE)
    return _decrypt(data_key, ciphertext, bound_to.encode())


def new_wrapped_key() -> tuple[bytes, bytes]:
    """A new data key and the same key wrapped by the master key, for files sealed elsewhere
    (research videos, sealed in chunks: research/sealing.py); store only the wrapped one."""
    data_key = AESGCM.generate_key(bit_length=256)
    return data_key, _encrypt(settings.MASTER_KEY, data_key, _KEY_PURPOSE)


def unwrap_key(wrapped_key: bytes) -> bytes:
    """The data key in `wrapped_key`, or `DecryptionFailed` if it was destroyed or changed."""
    return _decrypt(settings.MASTER_KEY, wrapped_key, _KEY_PURPOSE)


def rewrap(wrapped_key: bytes, *, old: bytes, new: bytes) -> bytes:
    """The same data key, wrapped by `new` instead of `old`; checked by unwrapping it again.
    `DecryptionFailed` if `old` does not open it."""
    data_key = _decrypt(old, wrapped_key, _KEY_PURPOSE)
    rewrapped = _encrypt(new, data_key, _KEY_PURPOSE)
    if _decrypt(new, rewrapped, _KEY_PURPOSE) != data_key:  # never store what cannot be read
        raise DecryptionFailed("The re-wrapped key does not open again.")
    return rewrapped


def opens(key: bytes, wrapped_key: bytes) -> bool:
    """Whether `key` is the master key that wrapped `wrapped_key`."""
    try:
        _decrypt(key, wrapped_key, _KEY_PURPOSE)
    except DecryptionFailed:
        return False
    return True


def fingerprint(key: bytes) -> str:
    """16 hex digits that tell master keys apart and reveal nothing of the key (an HMAC)."""
    return hmac.new(key, b"consentry master key fingerprint", hashlib.sha256).hexdigest()[:16]


def _encrypt(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def _decrypt(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    if len(sealed) <= NONCE_BYTES:
        raise DecryptionFailed("Nothing to decrypt: the key was destroyed.")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
    except InvalidTag:
        raise DecryptionFailed("The file or its key does not match.") from None
