"""What a photo (or a phone's video) says about itself: when it was taken, where, by which
device, and whether software saved it again. For reviewers, beside the file; never on a
public page. The same job records the perceptual hashes (similar_images.py; a video's key
frames through key_frames.py).

A job (worker.PERIODIC) reads the EXIF of each new photo (Pillow; pillow-heif for HEIC) or a
video's container tags (MediaInfo) in the child renderer (render.py `facts`/`video_facts`:
resource-limited, headers only) and keeps the facts in `evidence_photo_facts`.
The child parsed a hostile file, so every value it reports is checked again here: a value of
the wrong type or out of range is dropped, not trusted. Attempts are counted before each try,
as for previews, so a file that kills the child is given up after a few rounds.

Every copy that leaves the system is made without this metadata: the preview is re-encoded
pixels only (render.py), and no public page or export carries an evidence file. The stored
original stays byte-identical under its SHA-256 for staff downloads.
"""

import json
import logging
import math
import re
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.dates import format_datetime
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from casework.core.text import UNSAFE
from casework.core.timezones import zone_of
from casework.evidence import key_frames, similar_images
from casework.evidence.models import EvidenceItem, FactsStatus, PhotoFacts
from casework.evidence.previews import run_renderer
from casework.evidence.services import EvidenceCorrupted
from casework.evidence.similar_images import perceptual_hash
from casework.extensions import db

log = logging.getLogger("casework.evidence")

MAX_ATTEMPTS = 3
FACTS_MAX_BYTES = 6144  # the child's JSON: seven short values and 1,024 grey levels in hex
EXIF_TIME = "%Y:%m:%d %H:%M:%S"
OFFSET = re.compile(r"^([+-])(0\d|1[0-4]):([0-5]\d)$")
TEXT_MAX = 100
SHOWN = "d MMM y, HH:mm"
EARTH_RADIUS_KM = 6371.0088


def read_due_photo_facts() -> int:
    """Read the metadata of one small batch of new photos; the number handled."""
    config = current_app.config
    due = db.session.scalars(
        select(PhotoFacts).where(PhotoFacts.status == FactsStatus.PENDING)
        .order_by(PhotoFacts.evidence_item_id)
        .limit(config["CASEWORK_EVIDENCE_PREVIEW_BATCH"])).all()
    for facts in due:
        _read_one(facts, max_pixels=config["CASEWORK_EVIDENCE_MAX_PIXELS"])
    return len(due)


def _read_one(facts: PhotoFacts, *, max_pixels: int) -> None:
    facts.attempts = (facts.attempts or 0) + 1
    if facts.attempts > MAX_ATTEMPTS:
        facts.status = FactsStatus.FAILED
        db.session.commit()
        return
    db.session.commit()  # the attempt counts even if this process dies while reading
    try:
        kind = "video_facts" if facts.item.content_type.startswith("video/") else "facts"
        found = parse(run_renderer(facts.item, kind, max_pixels=max_pixels, size=0))
    except EvidenceCorrupted:
        facts.status = FactsStatus.FAILED  # audited by open_verified
    except (subprocess.SubprocessError, ValueError) as exc:
        # Its id and the kind of failure only: nothing of the file reaches the log.
        log.warning("evidence %s: metadata not read (%s)", facts.evidence_item_id,
                    type(exc).__name__)
        facts.status = FactsStatus.FAILED
    else:
        phash = found.pop("phash")
        for name, value in found.items():
            setattr(facts, name, value)
        facts.status = FactsStatus.READY
        hashes = [(None, phash)] if phash is not None else []
        if kind == "video_facts":  # its key frames, in a child of their own
            hashes = key_frames.hashes_of(facts.item, max_pixels=max_pixels)
        if hashes:
            similar_images.record(facts.item, hashes)
    db.session.commit()


def parse(raw: bytes) -> dict[str, Any]:
    """The child's JSON as column values; ValueError when it is not the expected object."""
    if len(raw) > FACTS_MAX_BYTES:
        raise ValueError("the child's answer is too long")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the child's answer is not an object")
    latitude, longitude = _position(data.get("position"))
    return {"phash": perceptual_hash(data.get("gray32")),
            "taken_at": _time(data.get("taken")), "taken_offset": _offset(data.get("offset")),
            "saved_at": _time(data.get("saved")), "latitude": latitude, "longitude": longitude,
            "make": _text(data.get("make")), "model": _text(data.get("model")),
            "software": _text(data.get("software"))}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = datetime.strptime(value[:19], EXIF_TIME)  # "0000:00:00 00:00:00" fails here
    except ValueError:
        return None
    return found if 1990 <= found.year <= 2100 else None


def _offset(value: Any) -> str | None:
    return value if isinstance(value, str) and OFFSET.match(value) else None


def _position(value: Any) -> tuple[float | None, float | None]:
    if not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        return None, None
    latitude, longitude = (float(v) for v in value)
    if not (math.isfinite(latitude) and math.isfinite(longitude)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    if latitude == 0 and longitude == 0:
        return None, None  # what receivers without a fix write
    return latitude, longitude


# Direction marks and overrides: a device name could turn the text around it.
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(BIDI.sub("", UNSAFE.sub("", value)).split())[:TEXT_MAX] or None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _distance(km: float) -> str:
    if km < 1:
        # Translators: a distance in metres; Russian and Kazakh: м.
        return _("%(n)s m", n=format_decimal(max(10, round(km * 100) * 10)))
    # Translators: a distance in kilometres; Russian and Kazakh: км.
    return _("%(n)s km", n=format_decimal(round(km, 1) if km < 10 else round(km)))


def _shown(value: datetime, zone: Any = None) -> str:
    """A naive UTC time in `zone`'s clock; without a zone, as recorded (not converted)."""
    return format_datetime(value.replace(tzinfo=UTC), SHOWN,
                           tzinfo=zone_of(zone) if zone is not None else UTC,
                           locale=str(get_locale() or "en"))


def _taken(facts: PhotoFacts, election: Any) -> str:
    assert facts.taken_at is not None
    matched = OFFSET.match(facts.taken_offset or "")
    if matched is None:
        return _("taken %(when)s by the camera's clock (no time zone recorded)",
                 when=_shown(facts.taken_at))
    sign, hours, minutes = matched.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
    return _("taken %(when)s local time", when=_shown(facts.taken_at - offset, election))


def _where(facts: PhotoFacts, case: Any) -> str:
    assert facts.latitude is not None and facts.longitude is not None
    station = case.station
    if station is not None and station.latitude is not None and station.longitude is not None:
        km = distance_km(facts.latitude, facts.longitude, station.latitude, station.longitude)
        return _("location about %(distance)s from station %(station)s",
                 distance=_distance(km), station=station.code)
    return _("location %(latitude)s, %(longitude)s",
             latitude=format_decimal(round(facts.latitude, 5), "0.00000"),
             longitude=format_decimal(round(facts.longitude, 5), "0.00000"))


def _device(facts: PhotoFacts) -> str | None:
    make, model = facts.make or "", facts.model or ""
    if make and model.lower().startswith(make.lower()):
        make = ""  # "Canon" + "Canon EOS R6": the model already names the maker
    return " ".join(part for part in (make, model) if part) or None


def describe(item: EvidenceItem, case: Any) -> list[str]:
    """The facts beside a file on the case page, in the page's language (empty: no photo).
    The caller shows them only to whoever may download the file."""
    facts = item.facts
    if facts is None:
        return []
    if facts.state is not FactsStatus.READY:
        return [str(facts.state.label)]
    lines = []
    if facts.taken_at is not None:
        lines.append(_taken(facts, case.election))
    if facts.latitude is not None and facts.longitude is not None:
        lines.append(_where(facts, case))
    if device := _device(facts):
        lines.append(_("device: %(device)s", device=device))
    if facts.software:
        lines.append(_("edited or saved with %(software)s", software=facts.software))
    if facts.saved_at is not None and facts.taken_at is not None \
            and facts.saved_at > facts.taken_at:  # both by the same device's clock
        lines.append(_("changed after it was taken: saved again %(when)s",
                       when=_shown(facts.saved_at)))
    return lines or [_("no time, place or device recorded in the file")]
