"""Evidence files encrypted at rest: what the storage writes and reads through.

Every object the storage holds (evidence, raw mail, previews) is written as
`core.crypto` seals files (header `CWE1` + key id, 64 KiB chunks), and read back decrypted
while it is read. Its name stays the SHA-256 of the *plaintext*, the evidence identity; that
name tells whoever holds a copy of a known file that the store has it too, and nothing more.
Files stored before encryption (no header) are read as they are until rotation seals them.

Plaintext that must be read more than once (inspection at intake, the preview renderer) is
kept in memory (`plain_scratch`: a memfd with a path), never in a file on a disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from typing import Any, BinaryIO

from casework.core.crypto import CHUNK, FileSealer, Keyring, is_sealed_file, keyring

_TAG = 16
SEALED_CHUNK = CHUNK + _TAG
HEAD_MAX = 5 + 255 + 7  # magic, key id length, key id, nonce prefix


def plain_scratch() -> tuple[BinaryIO, str]:
    """A read-write file in memory and a path that opens it (also in a child process given
    its descriptor). Where there is no memfd (not Linux): an ordinary temporary file."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("casework-plain", os.MFD_CLOEXEC)
        return open(fd, "w+b"), f"/proc/self/fd/{fd}"  # noqa: SIM115 - the caller closes it
    handle = tempfile.NamedTemporaryFile(prefix="casework-plain-")  # noqa: SIM115
    return handle, handle.name


def header_length(head: bytes) -> int:
    return 5 + head[4] + 7


def plain_size(stored_size: int, head: bytes) -> int:
    """The plaintext size of a stored object from its size and first bytes."""
    if not is_sealed_file(head):
        return stored_size
    payload = stored_size - header_length(head)
    chunks = max(1, -(-payload // SEALED_CHUNK))
    return payload - chunks * _TAG


class Incoming:
    """A new object on its way into the store: the plaintext is hashed and encrypted as it
    is written, in one pass; only ciphertext reaches `file` (a temporary file the backend
    made). With `plain_copy`, the plaintext is also kept in memory for inspection. The
    ciphertext's own SHA-256 (`sealed_digest`) only for a backend that checks the upload
    against it (S3): a local disk has nothing to check it against, and it is a second hash
    of every byte."""

    def __init__(self, file: BinaryIO, *, ring: Keyring | None = None,
                 plain_copy: bool = False, sealed_digest: bool = True) -> None:
        self.file = file
        self.name = file.name
        self.size = 0
        self._plain_digest = hashlib.sha256()
        self.sealed_digest = hashlib.sha256() if sealed_digest else None
        self._sealer = FileSealer((ring or keyring()).current)
        self._emit(self._sealer.header)
        self._finished = False
        self.plain, self.plain_path = plain_scratch() if plain_copy else (None, None)

    def _emit(self, sealed: bytes) -> None:
        if sealed:
            if self.sealed_digest is not None:
                self.sealed_digest.update(sealed)
            self.file.write(sealed)

    def write(self, data: bytes) -> int:
        self._plain_digest.update(data)
        self.size += len(data)
        if self.plain is not None:
            self.plain.write(data)
        self._emit(self._sealer.update(data))
        return len(data)

    @property
    def sha256(self) -> str:
        return self._plain_digest.hexdigest()

    def flush(self) -> None:
        """The plaintext copy complete (for inspection); the ciphertext is sealed in finish."""
        if self.plain is not None:
            self.plain.flush()
        self.file.flush()

    def finish(self) -> None:
        """Seal the last chunk; the file is complete afterwards."""
        if not self._finished:
            self._finished = True
            self._emit(self._sealer.finish())
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()

    def close(self) -> None:
        try:
            self.file.close()
        finally:
            if self.plain is not None:
                self.plain.close()


class PlainReader(io.RawIOBase):
    """The plaintext of a sealed object, decrypted while it is read.

    `read(n)` gives n bytes unless the end comes first; seeking works (backwards by starting
    over). There is deliberately no `fileno()`: nothing may send the ciphertext's descriptor
    (a server's sendfile) in place of the plaintext. A damaged, cut or reordered file raises
    `DataKeyError` from the read that reaches it, and from every read after."""

    def __init__(self, source: BinaryIO, ring: Keyring | None = None) -> None:
        super().__init__()
        self._source = source
        self._ring = ring or keyring()
        self._error: Exception | None = None
        self._restart()

    def _restart(self) -> None:
        self._source.seek(0)
        chunks = iter(lambda: self._source.read(SEALED_CHUNK), b"")
        self._plain = self._ring.decrypt_stream(chunks)
        self._buffer, self._offset, self._position = b"", 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if self._error is not None:
            raise self._error
        view = memoryview(target).cast("B")
        filled = 0
        while filled < len(view):
            if self._offset >= len(self._buffer):
                try:
                    piece = next(self._plain, None)
                except Exception as exc:
                    self._error = exc
                    raise
                if piece is None:
                    break
                self._buffer, self._offset = piece, 0
                continue
            count = min(len(view) - filled, len(self._buffer) - self._offset)
            view[filled:filled + count] = self._buffer[self._offset:self._offset + count]
            self._offset += count
            filled += count
        self._position += filled
        return filled

    def tell(self) -> int:
        return self._position

    @property
    def size(self) -> int:
        here = self._source.tell()
        head = self._read_head()
        end = self._source.seek(0, os.SEEK_END)
        self._source.seek(here)
        return plain_size(end, head)

    def _read_head(self) -> bytes:
        here = self._source.tell()
        self._source.seek(0)
        head = self._source.read(HEAD_MAX)
        self._source.seek(here)
        return head

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += self.size
        if offset < 0:
            raise ValueError("negative seek position")
        if offset < self._position:
            self._restart()
        while self._position < offset:
            if not self.read(min(CHUNK, offset - self._position)):
                break
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


class LegacyReader(io.RawIOBase):
    """A file stored before encryption, read as it is; like PlainReader, no `fileno()`."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        return self._source.readinto(target)  # type: ignore[attr-defined]

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._source.seek(offset, whence)

    def tell(self) -> int:
        return self._source.tell()

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def reader(source: BinaryIO, ring: Keyring | None = None) -> BinaryIO:
    """A plaintext reader of a stored object opened as `source` (seekable, at its start):
    decrypting if it is sealed, as it is if it was stored before encryption."""
    head = source.read(4)
    source.seek(0)
    if is_sealed_file(head):
        return PlainReader(source, ring)  # type: ignore[return-value]
    return LegacyReader(source)  # type: ignore[return-value]
