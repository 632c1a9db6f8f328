"""Render one thumbnail in a child process: `python -I render.py <image|pdf> <max_pixels>
<size> <path>` writes a JPEG to stdout; `... facts|video_facts <max_pixels> 0 <path>` writes
what a photo's EXIF or a video's container says as JSON (photo_facts.py checks it again);
`... video_frames <max_pixels> 0 <path>` the grey levels of a video's key frames (PyAV).

Run as a separate, resource-limited process (see previews.py) so that a hostile file that
crashes, hangs or swells a decoder takes down only this process. It imports nothing of the
application. The JPEG is re-encoded pixels only: no metadata, no colour profile, no script.
"""

import contextlib
import io
import json
import math
import re
import resource
import sys
import time

MEMORY_LIMIT = 1024 * 2**20
GRAY_SIDE = 32
CPU_SECONDS = 20


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _flatten(picture):
    """RGB on white: transparency and palettes do not survive JPEG."""
    from PIL import Image

    picture = picture.convert("RGBA")
    canvas = Image.new("RGB", picture.size, (255, 255, 255))
    canvas.paste(picture, mask=picture.getchannel("A"))
    return canvas


def _heif_if_needed(path: str) -> None:
    """HEIC/HEIF (an ISO box file) through libheif's plugin, imported only then: it is slow."""
    with open(path, "rb") as handle:
        if handle.read(12)[4:8] == b"ftyp":
            from pillow_heif import register_heif_opener

            register_heif_opener()


def image(path: str, max_pixels: int, size: int):
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels  # over it (twice over: an error) before decoding
    _heif_if_needed(path)
    with Image.open(path) as picture:
        if picture.width * picture.height > max_pixels:
            raise ValueError("too many pixels")
        picture.draft("RGB", (size, size))  # JPEG: decode at 1/2..1/8 scale directly
        picture.seek(0)
        picture.thumbnail((size, size))  # before turning: one full-size copy, not two
        ImageOps.exif_transpose(picture, in_place=True)
        return _flatten(picture)


def pdf(path: str, max_pixels: int, size: int):
    import pypdfium2 as pdfium

    # An open file, not the path: pypdfium2 resolves a path, and the memory file the parent
    # passes (/proc/self/fd/N) resolves to no file. No forms environment: no script runs.
    document = pdfium.PdfDocument(open(path, "rb"), autoclose=True)  # noqa: SIM115
    try:
        page = document[0]
        width, height = page.get_size()
        scale = min(size / max(width, height, 1), 4.0)
        return page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


# EXIF tags (TIFF 6.0 / Exif 2.32): IFD0, the Exif sub-IFD and the GPS IFD.
MAKE, MODEL, SOFTWARE, DATETIME, EXIF_IFD, GPS_IFD = 0x010F, 0x0110, 0x0131, 0x0132, 0x8769, 0x8825
DATETIME_ORIGINAL, OFFSET_ORIGINAL = 0x9003, 0x9011
TEXT_MAX = 200  # characters kept of any text tag


def _text(value):
    """A text tag, or None when it holds anything else (a hostile file's wrong types)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, str):
        with contextlib.suppress(UnicodeError):  # Pillow reads Latin-1; phones write UTF-8
            value = value.encode("latin-1").decode("utf-8")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ")[:TEXT_MAX] or None


def _degrees(value, ref):
    """Degrees from EXIF's (degrees, minutes, seconds) rationals and its N/S/E/W reference."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1.0 if _text(ref) in ("S", "W") else 1.0
    found = sign * (degrees + minutes / 60 + seconds / 3600)
    return found if math.isfinite(found) else None  # x/0 rationals read as NaN


def facts(path: str, max_pixels: int, _size: int) -> dict:
    """Headers only: Pillow reads the EXIF block without decoding pixels (JPEG, WebP, AVIF,
    HEIC through pillow-heif; a PNG whose eXIf chunk follows its pixels is decoded, under the
    same limits)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels
    _heif_if_needed(path)
    with Image.open(path) as picture:
        if picture.width * picture.height > max_pixels:
            raise ValueError("too many pixels")
        exif = picture.getexif()
        sub, gps = exif.get_ifd(EXIF_IFD), exif.get_ifd(GPS_IFD)
    position = None
    if gps:
        lat, lon = _degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))
        position = [lat, lon] if lat is not None and lon is not None else None
    return {"taken": _text(sub.get(DATETIME_ORIGINAL)), "offset": _text(sub.get(OFFSET_ORIGINAL)),
            "saved": _text(exif.get(DATETIME)), "position": position,
            "make": _text(exif.get(MAKE)), "model": _text(exif.get(MODEL)),
            "software": _text(exif.get(SOFTWARE)), "gray32": _gray32(image(path, max_pixels, 256))}


def _gray32(picture) -> str:
    """32 x 32 grey levels of the picture as its owner sees it (hex): the worker turns them
    into a perceptual hash (imagehash) without decoding the file itself."""
    from PIL import Image

    small = picture.convert("L").resize((GRAY_SIDE, GRAY_SIDE), Image.Resampling.LANCZOS)
    return small.tobytes().hex()


_VIDEO_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?"
                         r"\s*(UTC|Z|[+-]\d\d:?\d\d)?")
_ISO6709 = re.compile(r"^([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")


def _video_time(value):
    """MediaInfo's "2020-05-31 08:53:20 UTC" or "2020-06-01T08:12:00+0500" as EXIF's
    "2020:05:31 08:53:20" and an offset."""
    found = _VIDEO_TIME.match(_text(value) or "")
    if found is None:
        return None, None
    year, month, day, hour, minute, second, zone = found.groups()
    offset = "+00:00" if zone in ("UTC", "Z") else (f"{zone[:3]}:{zone[-2:]}" if zone else None)
    return f"{year}:{month}:{day} {hour}:{minute}:{second}", offset


def video_facts(path: str, _max_pixels: int, _size: int) -> dict:
    """A video's container tags through MediaInfo: the recording time (Apple's creation date
    with its offset, else the container's UTC one), the ISO 6709 position, make and model."""
    from pymediainfo import MediaInfo

    general = next(iter(MediaInfo.parse(path).general_tracks), None)
    data = general.to_data() if general is not None else {}
    taken, offset = _video_time(data.get("recorded_date"))
    if taken is None:
        taken, offset = _video_time(data.get("encoded_date"))
    position = None
    if found := _ISO6709.match(_text(data.get("xyz")) or ""):
        lat, lon = float(found.group(1)), float(found.group(2))
        position = [lat, lon] if math.isfinite(lat) and math.isfinite(lon) else None
    return {"taken": taken, "offset": offset, "saved": None, "position": position,
            "make": _text(data.get("make")), "model": _text(data.get("model")),
            "software": _text(data.get("writing_application") or data.get("encoded_application"))}


VIDEO_FRAMES = 8  # key frames per video, spread over it
VIDEO_PACKETS = 200_000  # frames read at most: over an hour and a half at 30 a second
VIDEO_SECONDS = 15  # the child's own budget for a video, within its CPU limit
# The demuxer named by the file's first bytes, never guessed by FFmpeg: no playlist or other
# format that would open further files or addresses.
_CONTAINERS = ((4, b"ftyp", "mov"), (0, b"\x1a\x45\xdf\xa3", "matroska"), (8, b"AVI ", "avi"),
               (0, b"OggS", "ogg"))


def _video(path: str, max_pixels: int):
    import av

    with open(path, "rb") as handle:
        head = handle.read(12)
    found = [name for at, magic, name in _CONTAINERS if head[at:at + len(magic)] == magic]
    if not found:
        raise ValueError("not a video container")
    container = av.open(path, format=found[0], container_options={"protocol_whitelist": "file"})
    stream = next(iter(container.streams.video), None)
    context = stream.codec_context if stream is not None else None
    if context is None or context.width * context.height > max_pixels:
        container.close()
        raise ValueError("no video stream, or too many pixels")
    context.thread_count = 1  # bounded memory; the CPU limit counts every thread anyway
    context.skip_frame = "NONKEY"
    context.options = {"max_pixels": str(max_pixels)}  # a frame larger than its header: refused
    return container, stream


def video_frames(path: str, max_pixels: int, _size: int) -> dict:
    """Up to VIDEO_FRAMES key frames spread over the video, each as its time (ms from the
    start) and 32 x 32 grey levels. Two passes: the first reads only the packets' key-frame
    flags, the second decodes only the chosen key frames."""
    deadline = time.monotonic() + VIDEO_SECONDS
    container, stream = _video(path, max_pixels)
    with container:
        keys = set()
        for count, packet in enumerate(container.demux(stream)):
            if count > VIDEO_PACKETS or time.monotonic() > deadline:
                raise ValueError("too many frames")
            if packet.is_keyframe and packet.pts is not None:
                keys.add(packet.pts)
    chosen = sorted(keys)
    if len(chosen) > VIDEO_FRAMES:
        chosen = [chosen[(2 * n + 1) * len(chosen) // (2 * VIDEO_FRAMES)]
                  for n in range(VIDEO_FRAMES)]
    wanted, frames = set(chosen), []
    container, stream = _video(path, max_pixels)
    with container:
        start, base = stream.start_time or 0, stream.time_base
        for packet in container.demux(stream):
            if not wanted:
                break  # the rest of the file is not read
            if time.monotonic() > deadline:
                raise ValueError("out of time")
            if packet.pts is not None and packet.pts not in wanted:
                continue
            for frame in packet.decode():
                if frame.width * frame.height > max_pixels:
                    raise ValueError("too many pixels")
                if frame.pts in wanted:
                    wanted.discard(frame.pts)
                    frames.append({"at": round(float((frame.pts - start) * base) * 1000),
                                   "gray32": _gray32(_upright(frame))})
    return {"frames": sorted(frames, key=lambda frame: frame["at"])}


def _upright(frame):
    """The frame as a player shows it: scaled to at most 256 pixels (as a photo is before
    its grey levels are taken) and turned by the container's display matrix."""
    scale = min(1.0, 256 / max(frame.width, frame.height))
    picture = frame.to_image(width=max(1, round(frame.width * scale)),
                             height=max(1, round(frame.height * scale)))
    rotation = frame.rotation or 0
    turn = round(rotation / 90) * 90 % 360 if math.isfinite(rotation) else 0
    return picture.rotate(turn, expand=True) if turn else picture


def main(argv: list[str]) -> int:
    kind, max_pixels, size, path = argv[1], int(argv[2]), int(argv[3]), argv[4]
    _limit()
    if kind in ("facts", "video_facts", "video_frames"):
        read = {"facts": facts, "video_facts": video_facts, "video_frames": video_frames}[kind]
        sys.stdout.write(json.dumps(read(path, max_pixels, size), allow_nan=False))
        return 0
    picture = {"image": image, "pdf": pdf}[kind](path, max_pixels, size)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80, optimize=True)
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
