"""A photo's metadata for reviewers: the worker reads its EXIF (time, place, device, edits) in
the child renderer; the case page shows it beside the file in the page's language, as a
distance from the case's station when the station has coordinates; /track never shows it; the
preview that leaves the system has none of it while the original stays byte-identical; a
hostile EXIF is bounded and refused gracefully."""

import hashlib
import io
import json
import struct
from datetime import datetime

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from casework import worker
from casework.cases.models import Case
from casework.evidence.models import EvidenceItem, FactsStatus, PhotoFacts, ScanStatus
from casework.evidence.photo_facts import distance_km, parse, read_due_photo_facts
from casework.evidence.previews import render_due_previews
from casework.evidence.services import attach, store_upload
from casework.extensions import db
from tests import factories
from tests.evidence import crafted
from tests.intake.helpers import form_data
from tests.intake.test_tracking import CODE_RE, track
from tests.plugin.data import files, png_bytes
from tests.plugin.evidence import stored_bytes

MB = 2**20
# A photo taken in Almaty, and a station 1.9 km north of where it was taken.
PHOTO_AT = (43.238, 76.945)
STATION_AT = (43.2551, 76.945)


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 2))


def camera_photo(*, position=PHOTO_AT, taken="2020:05:31 08:12:00", offset="+05:00",
                 saved="2020:06:01 10:00:00", make="samsung", model="SM-A525F",
                 software="Adobe Photoshop 25.0", size=(800, 600)) -> bytes:
    """A JPEG carrying what a phone and an editor write: GPS, DateTimeOriginal (and its
    offset), Make/Model, Software and the modified DateTime."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131], exif[0x0132] = make, model, software, saved
    exif[0x8769] = {0x9003: taken, 0x9011: offset} if offset else {0x9003: taken}
    if position:
        exif[0x8825] = {1: "N", 2: _dms(position[0]), 3: "E", 4: _dms(position[1])}
    return crafted.picture("JPEG", size, exif=exif.tobytes())


def add(case, data: bytes, name: str = "photo.jpg") -> EvidenceItem:
    item = attach(case, store_upload(io.BytesIO(data), name, max_file_size=30 * MB), source="web")
    db.session.commit()
    return item


def facts_of(item: EvidenceItem) -> PhotoFacts:
    db.session.expire_all()
    return db.session.get(PhotoFacts, item.id)


def test_the_job_is_registered_with_the_worker():
    assert read_due_photo_facts in worker.PERIODIC


def test_the_worker_reads_time_place_device_and_edits(case):
    item = add(case, camera_photo())
    assert item.facts.status == FactsStatus.PENDING
    assert read_due_photo_facts() == 1
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY and facts.attempts == 1
    assert facts.taken_at == datetime(2020, 5, 31, 8, 12) and facts.taken_offset == "+05:00"
    assert facts.saved_at == datetime(2020, 6, 1, 10, 0)
    assert facts.latitude == pytest.approx(PHOTO_AT[0], abs=1e-4)
    assert facts.longitude == pytest.approx(PHOTO_AT[1], abs=1e-4)
    assert (facts.make, facts.model, facts.software) == ("samsung", "SM-A525F",
                                                        "Adobe Photoshop 25.0")
    assert read_due_photo_facts() == 0  # nothing is due any more


def test_files_without_exif_and_other_kinds(case):
    plain = add(case, png_bytes(3, 2), "plain.png")
    pdf = add(case, crafted.real_pdf(), "act.pdf")
    gif = add(case, crafted.picture("GIF", (40, 30)), "anim.gif")
    assert pdf.facts is None and gif.facts is None  # nothing to read in them
    assert read_due_photo_facts() == 1
    facts = facts_of(plain)
    assert facts.status == FactsStatus.READY
    assert (facts.taken_at, facts.latitude, facts.make, facts.software) == (None,) * 4


def test_an_iphone_heic_photo_is_read_too(case):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    jpeg = Image.open(io.BytesIO(camera_photo(make="Apple", model="iPhone 13",
                                              software="17.1")))
    out = io.BytesIO()
    jpeg.save(out, "HEIF", exif=jpeg.info["exif"], quality=50)
    item = add(case, out.getvalue(), "IMG_0001.HEIC")
    assert item.content_type == "image/heic"
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY
    assert (facts.make, facts.model, facts.software) == ("Apple", "iPhone 13", "17.1")
    assert facts.latitude == pytest.approx(PHOTO_AT[0], abs=1e-4)
    render_due_previews()  # and a preview, re-encoded as a JPEG without the metadata
    db.session.refresh(item)
    thumbnail = stored_bytes(item.preview_sha256)
    assert thumbnail.startswith(b"\xff\xd8\xff") and b"iPhone" not in thumbnail
    assert not Image.open(io.BytesIO(thumbnail)).getexif()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _text_atom(kind: bytes, text: bytes) -> bytes:
    return _box(kind, struct.pack(">HH", len(text), 0x15C7) + text)  # QuickTime user data


def phone_video() -> bytes:
    """An MP4 as a phone writes its header: the movie's creation time (seconds since 1904,
    UTC) and, in its user data, the ISO 6709 position, make and model."""
    created = int((datetime(2020, 5, 31, 3, 12) - datetime(1904, 1, 1)).total_seconds())
    mvhd = _box(b"mvhd", b"\x00" * 4 + struct.pack(">IIII", created, created, 1000, 5000)
                + b"\x00\x01\x00\x00\x01\x00" + b"\x00" * 10
                + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
                + b"\x00" * 24 + struct.pack(">I", 2))
    udta = _box(b"udta", _text_atom(b"\xa9xyz", b"+43.2380+076.9450/")
                + _text_atom(b"\xa9mak", b"samsung") + _text_atom(b"\xa9mod", b"SM-A525F"))
    return (_box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + _box(b"moov", mvhd + udta)
            + _box(b"mdat", b"\x00" * 100))


def test_a_phone_video_is_read_through_mediainfo(case, app):
    item = add(case, phone_video(), "VID_0001.mp4")
    assert item.content_type == "video/mp4"
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY
    assert facts.taken_at == datetime(2020, 5, 31, 3, 12) and facts.taken_offset == "+00:00"
    assert (facts.latitude, facts.longitude) == PHOTO_AT
    assert (facts.make, facts.model) == ("samsung", "SM-A525F")
    with app.test_request_context(), force_locale("en"):
        from casework.evidence.photo_facts import describe

        # 03:12 UTC is 09:12 in Almaty (UTC+6 in 2020).
        assert describe(item, case)[0] == "taken 31 May 2020, 09:12 local time"


def reviewer_client(app, login, election, lang: str):
    reviewer = factories.user("reviewer", election=election, email=f"rev-{lang}@test.kz")
    client = app.test_client()
    client.set_cookie("casework_lang", lang)
    assert login(client, reviewer).status_code == 302
    return client


@pytest.mark.parametrize("lang, taken, distance, device, edited", [
    ("kk", "жергілікті уақытпен", "1,9 км", "құрылғы: samsung SM-A525F", "Adobe Photoshop 25.0"),
    ("ru", "по местному времени", "1,9 км", "устройство: samsung SM-A525F", "Adobe Photoshop 25.0"),
])
def test_intake_then_worker_then_case_page(client, demo, app, login, lang, taken, distance,
                                           device, edited):
    data = form_data(client, evidence=files(("IMG_0412.jpg", camera_photo())))
    assert client.post("/complaints/new", data=data,
                       content_type="multipart/form-data").status_code == 302
    code = CODE_RE.search(client.get("/complaints/receipt").get_data(as_text=True)).group(1)
    case = db.session.scalar(select(Case))
    station = factories.station(case.election, _a_station_code(case))
    station.latitude, station.longitude = STATION_AT
    case.station = station
    db.session.commit()

    reviewer = reviewer_client(app, login, case.election, lang)
    url = f"/cases/{case.reference}"
    pending = reviewer.get(url).get_data(as_text=True)
    assert device not in pending
    assert read_due_photo_facts() == 1
    page = reviewer.get(url).get_data(as_text=True)
    # 08:12 at +05:00 is 09:12 in Almaty, which kept UTC+6 in 2020.
    assert taken in page and "09:12" in page and "2020" in page
    assert distance in page and station.code in page
    assert device in page and edited in page
    assert "43.238" not in page and "43,238" not in page  # the distance, not the coordinates

    browser = app.test_client()
    track(browser, code, lang=lang)
    public = browser.get("/track/case").get_data(as_text=True)
    assert "IMG_0412.jpg" in public
    assert "SM-A525F" not in public and "Photoshop" not in public and "км" not in public

    item = db.session.scalar(select(EvidenceItem))
    item.scan_status = ScanStatus.INFECTED  # quarantined: nobody may download it, nor see this
    db.session.commit()
    assert "SM-A525F" not in reviewer.get(url).get_data(as_text=True)


def _a_station_code(case: Case) -> str:
    from casework.elections.models import PollingStation, StationKind

    return db.session.scalar(select(PollingStation.code).where(
        PollingStation.election_id == case.election_id,
        PollingStation.kind == StationKind.PAPER).order_by(PollingStation.code))


def test_a_station_without_coordinates_shows_the_coordinates(case, app, login, election):
    case.station = factories.station(election, "BAL-001")
    db.session.commit()
    add(case, camera_photo(offset=None, software="", saved="2020:05:31 08:12:00"))
    read_due_photo_facts()
    page = reviewer_client(app, login, election, "en").get(
        f"/cases/{case.reference}").get_data(as_text=True)
    assert "location 43.23800, 76.94500" in page
    assert "taken 31 May 2020, 08:12 by the camera&#39;s clock (no time zone recorded)" in page
    assert "edited" not in page and "changed after it was taken" not in page


def test_the_distance_to_a_station():
    assert distance_km(*PHOTO_AT, *STATION_AT) == pytest.approx(1.9, abs=0.05)
    assert distance_km(*PHOTO_AT, *PHOTO_AT) == 0
    # Almaty to Astana, about 970 km as the crow flies.
    assert distance_km(43.238, 76.945, 51.169, 71.449) == pytest.approx(970, abs=15)


def test_the_preview_that_leaves_has_no_metadata_and_the_original_is_untouched(
        case, app, login, election):
    original = camera_photo(size=(1600, 1200))
    item = add(case, original)
    render_due_previews()
    read_due_photo_facts()
    reviewer = reviewer_client(app, login, election, "en")
    preview = reviewer.get(f"/cases/{case.reference}/evidence/{item.id}/preview")
    assert preview.status_code == 200
    thumbnail = Image.open(io.BytesIO(preview.data))
    assert not thumbnail.getexif() and "exif" not in thumbnail.info
    for trace in (b"Exif\x00\x00", b"samsung", b"SM-A525F", b"Photoshop", b"2020:05:31"):
        assert trace not in preview.data
    preview.close()

    download = reviewer.get(f"/cases/{case.reference}/evidence/{item.id}")
    assert download.status_code == 200 and download.data == original
    assert hashlib.sha256(download.data).hexdigest() == item.sha256
    assert stored_bytes(item.sha256) == original
    assert Image.open(io.BytesIO(download.data)).getexif().get_ifd(0x8825)  # GPS kept inside
    download.close()


# -- hostile files ---------------------------------------------------------------------------

def _tiff(entries: list[tuple[int, int, int, bytes]], next_ifd: int = 0) -> bytes:
    """A little-endian TIFF header with IFD0 at offset 8: (tag, type, count, 4-byte value)."""
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", tag, kind, count) + value for tag, kind, count, value in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", next_ifd)


def _jpeg_with_app1(tiff: bytes) -> bytes:
    base = crafted.picture("JPEG", (64, 48))
    segment = b"Exif\x00\x00" + tiff
    return base[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + base[2:]


LONG, ASCII, SHORT = 4, 2, 3


def test_looping_ifds_are_read_once(case):
    # IFD0's Exif and GPS pointers and its next-IFD pointer all lead back to IFD0.
    looping = _tiff([(0x8769, LONG, 1, struct.pack("<I", 8)),
                     (0x8825, LONG, 1, struct.pack("<I", 8))], next_ifd=8)
    item = add(case, _jpeg_with_app1(looping), "loop.jpg")
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY and facts.attempts == 1
    assert facts.latitude is None and facts.taken_at is None


def test_a_huge_ifd_with_lying_counts_is_bounded(case):
    # As many entries as the segment holds, each claiming 2 GB of text far past the end.
    entries = [(0x010F, ASCII, 0x7FFFFFFF, struct.pack("<I", 0xFFFFFF00))] * 5400
    item = add(case, _jpeg_with_app1(_tiff(entries)), "huge.jpg")
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY and facts.make is None


def _tiff_with(ifd0: dict, exif: dict, gps: dict) -> bytes:
    """A TIFF whose three IFDs hold {tag: (type, count, bytes)}; long values follow them."""
    layout, tail, offsets = [], b"", {}
    start = 8
    sizes = [2 + 12 * (len(ifd) + (2 if n == 0 else 0)) + 4 for n, ifd in
             enumerate((ifd0, exif, gps))]  # IFD0 also points to the other two
    offsets = [start, start + sizes[0], start + sizes[0] + sizes[1]]
    data_at = offsets[2] + sizes[2]
    ifd0 = {**ifd0, 0x8769: (LONG, 1, struct.pack("<I", offsets[1])),
            0x8825: (LONG, 1, struct.pack("<I", offsets[2]))}
    for ifd in (ifd0, exif, gps):
        entries = b""
        for tag, (kind, count, value) in sorted(ifd.items()):
            if len(value) > 4:
                entries += struct.pack("<HHII", tag, kind, count, data_at + len(tail))
                tail += value
            else:
                entries += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        layout.append(struct.pack("<H", len(ifd)) + entries + b"\x00\x00\x00\x00")
    return b"II*\x00" + struct.pack("<I", start) + b"".join(layout) + tail


def _ascii(text: str) -> tuple[int, int, bytes]:
    raw = text.encode() + b"\x00"
    return ASCII, len(raw), raw


RATIONAL = 5


def test_wrong_types_are_dropped_not_trusted(case):
    tiff = _tiff_with(
        {0x010F: (SHORT, 1, struct.pack("<H", 12345)),  # Make as a number
         0x0110: _ascii("Model\u202e\x07 with controls"),
         0x0131: (RATIONAL, 1, struct.pack("<II", 1, 0))},  # Software as x/0
        {0x9003: _ascii("0000:00:00 00:00:00"), 0x9011: _ascii("+99:99")},
        {1: _ascii("N"), 2: _ascii("forty-three"), 3: _ascii("E"),
         4: (RATIONAL, 3, struct.pack("<6I", 76, 1, 0, 0, 0, 1))})  # minutes 0/0
    item = add(case, _jpeg_with_app1(tiff), "odd.jpg")
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY
    assert (facts.make, facts.taken_at, facts.taken_offset, facts.latitude,
            facts.software) == (None,) * 5
    assert facts.model == "Model with controls"  # no control character, no text reversal


def test_a_file_the_child_cannot_open_is_marked_and_shown(case, app, login, election):
    broken = add(case, png_bytes()[:40] + b"\x00" * 200, "broken.png")
    read_due_photo_facts()
    assert facts_of(broken).status == FactsStatus.FAILED
    assert read_due_photo_facts() == 0
    page = reviewer_client(app, login, election, "en").get(
        f"/cases/{case.reference}").get_data(as_text=True)
    assert "The file&#39;s metadata could not be read" in page


def test_a_file_that_kept_killing_the_child_is_given_up(case):
    item = add(case, camera_photo())
    item.facts.attempts = 3
    db.session.commit()
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.FAILED and facts.make is None


def test_a_damaged_video_header_is_bounded(case):
    # A movie box that claims 4 GB and user data whose text atom claims more than it holds.
    udta = _box(b"udta", struct.pack(">HH", 0xFFFF, 0x15C7) + b"\xa9xyz" + b"+9" * 50)
    lying = (_box(b"ftyp", b"isom\x00\x00\x02\x00isom") + struct.pack(">I", 0xFFFFFFF0)
             + b"moov" + udta + bytes(range(256)) * 40)
    item = add(case, lying, "clip.mp4")
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.READY and facts.attempts == 1
    assert facts.latitude is None and facts.make is None


def test_a_child_that_overruns_its_time_is_stopped_and_the_file_marked(case, monkeypatch):
    from casework.evidence import previews

    item = add(case, camera_photo())
    monkeypatch.setattr(previews, "RENDER_TIMEOUT", 0.001)  # no child starts that fast
    read_due_photo_facts()
    facts = facts_of(item)
    assert facts.status == FactsStatus.FAILED and facts.make is None


@pytest.mark.parametrize("raw", [
    b"[]", b"not json", b'{"make": "' + b"x" * 7000 + b'"}', b"NaN",
])
def test_answers_of_the_wrong_shape_are_refused(raw):
    with pytest.raises(ValueError):
        parse(raw)


def test_every_value_of_the_answer_is_checked():
    found = parse(json.dumps({
        "taken": "2020:05:31 08:12:00\x00junk", "offset": "+05:00", "saved": 42,
        "position": [91.0, 10.0], "make": ["x"], "model": "  A\x00B  ", "software": True,
    }).encode())
    assert found["taken_at"] == datetime(2020, 5, 31, 8, 12) and found["taken_offset"] == "+05:00"
    assert (found["saved_at"], found["latitude"], found["make"], found["software"]) == (None,) * 4
    assert found["model"] == "AB"
    assert parse(b'{"position": [0, 0]}')["latitude"] is None  # no fix, not Null Island
    assert parse(b'{"position": [true, 1]}')["latitude"] is None
    assert parse(b'{"position": [-33.9, 18.4]}')["longitude"] == 18.4


def test_page_language_formats(app):
    from casework.evidence.photo_facts import _distance

    with app.test_request_context():
        with force_locale("ru"):
            assert _distance(0.4321) == "430 м" and _distance(12.6) == "13 км"
        with force_locale("en"):
            assert _distance(1.94) == "1.9 km"
