"""What a picture declares, read from its headers alone: its size in pixels and where it ends.

Nothing here decodes pixels: a 1 KB PNG may declare 100000×100000 pixels, and only its
header is read to find out. The end marker tells what trails the picture (HTML or a script
glued after it makes a polyglot that a browser could run).
"""

import re
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Declared:
    width: int
    height: int
    end: int | None  # offset just past the picture's last byte; None when not found
    largest_frame: int = 0  # an animation's frame may declare more than the screen

    @property
    def pixels(self) -> int:
        return max(self.width * self.height, self.largest_frame)


def _png(data) -> Declared | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack_from(">II", data, 16)
    pos, end = 8, None
    while pos + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length
        if kind == b"IEND":
            end = pos if pos <= len(data) else None
            break
    return Declared(width, height, end)


def _gif_blocks(data, pos: int) -> int:
    """Past a chain of data sub-blocks (a size byte, then that many bytes; 0 ends it)."""
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return len(data) + 1


def _gif(data) -> Declared | None:
    if len(data) < 13:
        return None
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    largest = width * height
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            return Declared(width, height, pos + 1, largest)
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _gif_blocks(data, pos + 2)
        elif block == 0x2C and pos + 10 <= len(data):  # a frame may exceed the screen
            frame_w, frame_h, frame_flags = struct.unpack_from("<HHB", data, pos + 5)
            largest = max(largest, frame_w * frame_h)
            pos += 10 + (3 << ((frame_flags & 7) + 1) if frame_flags & 0x80 else 0)
            pos = _gif_blocks(data, pos + 1)  # after the LZW code size
        else:
            break
    return Declared(width, height, None, largest)


_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
# In entropy-coded data a marker is 0xFF followed by anything but a stuffed 0x00, a restart
# marker or another fill byte.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg(data) -> Declared | None:
    pos, size = 2, None
    while pos + 2 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            end = pos + 2
            return Declared(*size, end) if size else None
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if marker in _SOF and size is None and pos + 9 <= len(data):
            height, width = struct.unpack_from(">HH", data, pos + 5)
            size = (width, height)
        pos += 2 + length
        if marker == 0xDA:  # start of scan: skip the coded data to the next marker
            found = _NEXT_MARKER.search(data, pos)
            if found is None:
                break
            pos = found.start()
    return Declared(*size, None) if size else None


def _webp(data) -> Declared | None:
    if len(data) < 30:
        return None
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size + (riff_size & 1)
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        width, height = width & 0x3FFF, height & 0x3FFF
    elif chunk == b"VP8L" and data[20] == 0x2F:
        (bits,) = struct.unpack_from("<I", data, 21)
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
    else:
        return None
    return Declared(width, height, end if end <= len(data) else None)


def _iso_boxes_end(data) -> int | None:
    """Past the last top-level box of an ISO base media file (HEIC, AVIF)."""
    pos = 0
    while pos + 8 <= len(data):
        size, _kind = struct.unpack_from(">I4s", data, pos)
        if size == 1 and pos + 16 <= len(data):
            (size,) = struct.unpack_from(">Q", data, pos + 8)
        elif size == 0:
            return len(data)
        if size < 8:
            return None
        pos += size
    return pos if pos == len(data) else None


def _heif(data) -> Declared | None:
    """The largest `ispe` (image spatial extents) property: a grid's is the whole picture."""
    largest = None
    for found in re.finditer(rb"ispe", data[:4 * 1024 * 1024]):
        at = found.start() + 8  # past the type and the version/flags
        if at + 8 <= len(data):
            width, height = struct.unpack_from(">II", data, at)
            if largest is None or width * height > largest[0] * largest[1]:
                largest = (width, height)
    return Declared(*largest, _iso_boxes_end(data)) if largest else None


_READERS = {"image/png": _png, "image/gif": _gif, "image/jpeg": _jpeg, "image/webp": _webp,
            "image/heic": _heif, "image/heif": _heif, "image/avif": _heif}


def declared(data, mime: str) -> Declared | None:
    """Size and end of a picture from its headers (`data`: bytes or an mmap); None when the
    headers cannot be read."""
    reader = _READERS.get(mime)
    if reader is None:
        return None
    try:
        return reader(data)
    except (struct.error, IndexError, TypeError):
        return None
