"""A video's key frames are hashed like photos: a re-encoded, resized copy of a video on
another case matches it, a different video does not, a photo equal to one of its key frames
matches it, and the case page names the other case with the frame's time. Hostile videos (cut
short, larger than their header says, empty, not a video) give no hash and no crash; a child
that overruns its time is stopped. The videos are made here with PyAV."""

import io
import json
import re

import av
import pytest
from sqlalchemy import select

from casework.cases.models import CaseState
from casework.evidence import key_frames, previews
from casework.evidence.key_frames import parse
from casework.evidence.models import EvidenceItem, FactsStatus, ImageHash, ImageMatch
from casework.evidence.photo_facts import read_due_photo_facts
from casework.evidence.services import attach, store_generated
from casework.extensions import db
from tests.evidence.test_photo_facts import add, facts_of, reviewer_client
from tests.evidence.test_similar_images import jpeg, scene
from tests.plugin.data import png_bytes

FPS = 8  # one key frame a second: each scene below lasts a second


def encode(pictures, fmt: str, codec: str, size=(640, 480), rotation: int = 0) -> bytes:
    """A video of the pictures, FPS frames each, a key frame at the start of each."""
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.codec_context.gop_size = FPS
        if rotation:
            stream.set_display_rotation(rotation)
        for picture in pictures:
            frame = av.VideoFrame.from_image(picture.resize(size))
            for _ in range(FPS):
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


def reencoded(data: bytes, fmt: str, codec: str, size) -> bytes:
    """What a messenger does to a video: decoded, resized and encoded again."""
    with av.open(io.BytesIO(data)) as source:
        pictures = [frame.to_image() for frame in source.decode(video=0)][::FPS]
    return encode(pictures, fmt, codec, size)


def hashes_of(item: EvidenceItem) -> list[int | None]:
    return list(db.session.scalars(select(ImageHash.at_ms).where(
        ImageHash.evidence_item_id == item.id).order_by(ImageHash.frame)))


def matches() -> dict[tuple[int, int], tuple[int, int | None, int | None]]:
    return {(m.evidence_item_id, m.other_item_id): (m.distance, m.at_ms, m.other_at_ms)
            for m in db.session.scalars(select(ImageMatch))}


@pytest.fixture
def four_cases(make_case):
    return [make_case(CaseState.SCREENING, region_code="KZ-KAR", evidence=0) for _ in range(4)]


def test_a_reencoded_copy_matches_across_cases_and_a_different_video_does_not(
        four_cases, app, login, election):
    first, second, third, _ = four_cases
    original = encode([scene(1), scene(2), scene(3)], "mp4", "libx264")
    a = add(first, original, "VID_0001.mp4")
    b = add(second, reencoded(original, "webm", "libvpx", (320, 240)), "copy.webm")
    c = add(third, encode([scene(7), scene(8), scene(9)], "mov", "mpeg4"), "other.mov")
    assert (a.content_type, b.content_type, c.content_type) == (
        "video/mp4", "video/webm", "video/quicktime")
    assert read_due_photo_facts() == 3
    assert hashes_of(a) == hashes_of(b) == hashes_of(c) == [0, 1000, 2000]
    found = matches()
    assert set(found) == {(a.id, b.id), (b.id, a.id)}
    distance, at, other_at = found[(a.id, b.id)]
    assert distance <= 6 and at == other_at and found[(b.id, a.id)] == (distance, at, at)
    reviewer = reviewer_client(app, login, election, "en")
    html = reviewer.get(f"/cases/{first.reference}").get_data(as_text=True)
    [reused] = re.findall(r'<p class="evidence-reused">(.*?)</p>', html, re.S)
    assert "The same or a nearly identical image is evidence in cases:" in reused
    assert f'href="/cases/{second.reference}"' in reused and third.reference not in reused
    assert re.search(r"at 0:0[0-2] in this video; at 0:0[0-2] in the video of that case",
                     reused)
    ru = reviewer_client(app, login, election, "ru")
    html = ru.get(f"/cases/{first.reference}").get_data(as_text=True)
    assert "в этом видео" in html and "в видео того дела" in html


def test_a_photo_equal_to_a_key_frame_matches_the_video(four_cases, app, login, election):
    first, second, *_ = four_cases
    video = add(first, encode([scene(1), scene(2), scene(3)], "webm", "libvpx"), "clip.webm")
    photo = add(second, jpeg(scene(3)), "IMG_0007.jpg")
    read_due_photo_facts()
    assert hashes_of(photo) == [None]
    found = matches()
    assert set(found) == {(video.id, photo.id), (photo.id, video.id)}
    distance, at, other_at = found[(photo.id, video.id)]
    assert distance <= 6 and (at, other_at) == (None, 2000)
    reviewer = reviewer_client(app, login, election, "kk")
    html = reviewer.get(f"/cases/{second.reference}").get_data(as_text=True)
    [reused] = re.findall(r'<p class="evidence-reused">(.*?)</p>', html, re.S)
    assert first.reference in reused and "сол істің бейнежазбасында 0:02 сәтте" in reused
    assert "in this video" not in reused


def test_a_phone_video_turned_by_its_display_matrix_matches_the_upright_photo(four_cases):
    first, second, *_ = four_cases
    # Stored landscape, shown portrait: the player turns it a quarter counter-clockwise.
    video = add(first, encode([scene(4), scene(5)], "mp4", "libx264", rotation=90), "v.mp4")
    photo = add(second, jpeg(scene(5).resize((640, 480)).rotate(90, expand=True)), "p.jpg")
    read_due_photo_facts()
    assert matches()[(photo.id, video.id)][2] == 1000


def _generated(case, data: bytes, name: str) -> EvidenceItem:
    """A file the intake took for a video whatever it holds (its type is not re-checked)."""
    item = attach(case, store_generated(data, name, "video/mp4", "video"), source="web")
    db.session.commit()
    return item


def lying_vp8(data: bytes, width: int, height: int) -> bytes:
    """The WebM with every VP8 key frame claiming another size than its container says."""
    patched, at = bytearray(data), 0
    while (at := patched.find(b"\x9d\x01\x2a", at)) != -1:  # the key frame's start code
        patched[at + 3:at + 7] = width.to_bytes(2, "little") + height.to_bytes(2, "little")
        at += 7
    return bytes(patched)


def test_hostile_videos_give_no_hash_and_no_crash(four_cases):
    case = four_cases[0]
    original = encode([scene(1), scene(2)], "mp4", "libx264")
    webm = encode([scene(1), scene(2)], "webm", "libvpx", (320, 240))
    items = [
        add(case, original[:len(original) // 2], "cut.mp4"),  # the index (moov) is at the end
        add(case, lying_vp8(webm, 16383, 16383), "huge.webm"),  # 268 million pixels a frame
        _generated(case, b"", "empty.mp4"),
        _generated(case, png_bytes(8, 8), "picture.mp4"),
        add(case, b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41" + bytes(range(256)) * 64,
            "noise.mp4"),
    ]
    assert read_due_photo_facts() == len(items)
    for item in items:
        assert facts_of(item).status in (FactsStatus.READY, FactsStatus.FAILED)
        assert facts_of(item).attempts == 1 and hashes_of(item) == []
    assert matches() == {}
    # The same decoder check stops a frame over the configured size.
    small = add(case, webm, "small.webm")
    assert key_frames.hashes_of(small, max_pixels=320 * 240 - 1) == []
    assert len(key_frames.hashes_of(small, max_pixels=320 * 240)) == 2


def test_a_child_that_overruns_its_time_gives_no_hash(four_cases, monkeypatch):
    item = add(four_cases[0], encode([scene(1)], "webm", "libvpx", (320, 240)), "v.webm")
    monkeypatch.setattr(previews, "RENDER_TIMEOUT", 0.001)  # no child starts that fast
    assert key_frames.hashes_of(item, max_pixels=50_000_000) == []


@pytest.mark.parametrize("raw", [
    b"[]", b"not json", b'{"frames": {}}', b'{"frames": [' + b"{}," * 8 + b"{}]}",
    b'{"frames": []}' + b" " * 30_000,
])
def test_answers_of_the_wrong_shape_are_refused(raw):
    with pytest.raises(ValueError):
        parse(raw)


def test_every_frame_of_the_answer_is_checked():
    gray = "7f" * 1024
    frames = [{"at": 0, "gray32": gray}, {"at": -1, "gray32": gray}, {"at": True, "gray32": gray},
              {"at": 10**12, "gray32": gray}, {"at": 500, "gray32": "zz" * 1024},
              {"at": 900, "gray32": gray}, {"at": 900, "gray32": "00" * 1024}, "frame"]
    found = parse(json.dumps({"frames": frames}).encode())
    assert [at for at, _ in found] == [0, 900]
    assert parse(b'{"frames": []}') == []
