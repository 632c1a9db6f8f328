"""Perceptual hashes of a video's key frames: the child renderer (render.py `video_frames`:
PyAV under the child's memory, CPU and time limits, the demuxer named by the file's first
bytes, only key frames decoded) hands the 32 x 32 grey levels of up to eight key frames
spread over the video, with their times. Their hashes sit beside the photos' and are matched
the same way (similar_images.record), so a video is found when one of its key frames is a
photo, or another video's key frame, on another case.

A video the child cannot read (cut short, damaged, too large, not a video at all) gets no
hash: its id and the kind of failure are logged, nothing of the file.
"""

import json
import logging
import subprocess
from typing import Any

from casework.evidence.models import EvidenceItem
from casework.evidence.previews import run_renderer
from casework.evidence.render import VIDEO_FRAMES
from casework.evidence.services import EvidenceCorrupted
from casework.evidence.similar_images import perceptual_hash

log = logging.getLogger("casework.evidence")

FRAMES_MAX_BYTES = 24_576  # eight frames of 1,024 grey levels in hex, and their times
MAX_AT_MS = 24 * 3600 * 1000  # a key frame's time beyond a day is not believed


def hashes_of(item: EvidenceItem, *, max_pixels: int) -> list[tuple[int | None, int]]:
    """(time in ms, pHash) of the video's key frames in time order; empty when it has none
    the child could read."""
    try:
        return parse(run_renderer(item, "video_frames", max_pixels=max_pixels, size=0))
    except EvidenceCorrupted:
        return []  # audited by open_verified
    except (subprocess.SubprocessError, ValueError) as exc:
        log.warning("evidence %s: no key frames (%s)", item.id, type(exc).__name__)
        return []


def parse(raw: bytes) -> list[tuple[int | None, int]]:
    """The child's answer, every value checked again; ValueError when it is not the expected
    object. A frame with a time or grey levels out of shape is dropped."""
    if len(raw) > FRAMES_MAX_BYTES:
        raise ValueError("the child's answer is too long")
    data = json.loads(raw)
    frames = data.get("frames") if isinstance(data, dict) else None
    if not isinstance(frames, list) or len(frames) > VIDEO_FRAMES:
        raise ValueError("the child's answer is not a list of frames")
    found: dict[int, int] = {}
    for frame in frames:
        if not isinstance(frame, dict):
            continue
        at, value = _at(frame.get("at")), perceptual_hash(frame.get("gray32"))
        if at is not None and value is not None:
            found.setdefault(at, value)
    return [(at, found[at]) for at in sorted(found)]


def _at(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AT_MS:
        return value
    return None
