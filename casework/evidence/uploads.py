"""Uploads as the web framework receives them, before any view reads them: kept encrypted.

Werkzeug spools a multipart body of more than 500 KB into a temporary file on the disk, in
plaintext. Here such files go into a `SealedSpool` instead: encrypted as they are written
under a key of its own that lives only in memory, decrypted as they are read back, and
removed with the request. Smaller bodies stay in memory, as Werkzeug keeps them.
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import IO, Any

from flask import Flask, Request

from casework.core.crypto import DataKey, FileSealer, Keyring
from casework.evidence.sealed import PlainReader

IN_MEMORY = 500 * 1024  # Werkzeug's own threshold


class SealedSpool(io.RawIOBase):
    """Written once from the start, then read (and seeked) as often as needed."""

    def __init__(self) -> None:
        super().__init__()
        self._ring = Keyring([DataKey("spool", os.urandom(32))])  # never stored
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the spool
        self._sealer: FileSealer | None = FileSealer(self._ring.current)
        self._file.write(self._sealer.header)
        self._written = 0
        self._reader: PlainReader | None = None

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return self._reader is None

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self._sealer is None:
            raise io.UnsupportedOperation("a spool is written once, before it is read")
        data = bytes(data)
        self._file.write(self._sealer.update(data))
        self._written += len(data)
        return len(data)

    def _reading(self) -> PlainReader:
        if self._reader is None:
            assert self._sealer is not None
            self._file.write(self._sealer.finish())
            self._file.flush()
            self._sealer = None
            self._reader = PlainReader(self._file, self._ring)
        return self._reader

    def readinto(self, target: Any) -> int:
        return self._reading().readinto(target)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._reading().seek(offset, whence)

    def tell(self) -> int:
        return self._written if self._reader is None else self._reader.tell()

    def close(self) -> None:
        if not self.closed:
            if self._reader is not None:
                self._reader.close()
            self._file.close()
        super().close()


class UploadRequest(Request):
    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= IN_MEMORY:
            return io.BytesIO()
        return SealedSpool()  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest
