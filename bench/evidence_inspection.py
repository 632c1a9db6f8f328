"""Time to inspect a file before keeping it, and to render its preview, at the size limit.

    .venv/bin/python bench/evidence_inspection.py

Builds files near the 25 MB limit (a photo, a PDF with many compressed streams, a DOCX, a
picture bomb), times casework.evidence.inspection.inspect on each (what an upload pays) and
the worker's child renderer on the photo and a PDF, and the photo-metadata read per photo
(the child's `facts` run, as the worker pays it, and Pillow's EXIF parse alone, in process).
Prints figures; asserts nothing.
"""

import io
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from casework import create_app  # noqa: E402
from casework.evidence import validation  # noqa: E402
from casework.evidence.inspection import inspect  # noqa: E402
from casework.evidence.photo_facts import parse  # noqa: E402
from casework.evidence.previews import RENDERER  # noqa: E402
from tests.evidence import crafted  # noqa: E402
from tests.evidence.test_photo_facts import camera_photo, phone_video  # noqa: E402


def big_photo(size=(6000, 4000), **save) -> bytes:
    noise = Image.effect_noise(size, 64).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95, **save)
    return out.getvalue()


def phone_photo(size=(4000, 3000)) -> bytes:
    """A phone's photo: noise pixels with GPS, times, make/model and software in its EXIF."""
    exif = Image.open(io.BytesIO(camera_photo(size=(64, 48)))).info["exif"]
    return big_photo(size, exif=exif)


def metadata(path: str, label: str, size: int, kind: str = "facts") -> None:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - our interpreter and script
            [sys.executable, "-I", str(RENDERER), kind, "50000000", "0", path],
            capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    facts = parse(result.stdout)
    runs.sort()
    if kind == "video_facts":
        print(f"facts   {label:<14} {size / 2**20:6.1f} MB  child best {runs[0] * 1000:6.1f} ms"
              f"  median {runs[2] * 1000:6.1f} ms wall  (MediaInfo; device {facts['make']})")
        return
    parse_runs = []
    for _ in range(20):
        start = time.perf_counter()
        with Image.open(path) as picture:
            exif = picture.getexif()
            exif.get_ifd(0x8769), exif.get_ifd(0x8825)
        parse_runs.append(time.perf_counter() - start)
    print(f"facts   {label:<14} {size / 2**20:6.1f} MB  child best {runs[0] * 1000:6.1f} ms"
          f"  median {runs[2] * 1000:6.1f} ms wall; EXIF parse in process "
          f"{min(parse_runs) * 1000:5.2f} ms  (device {facts['make']} {facts['model']})")


def big_pdf() -> bytes:
    streams = [b"<</Length %d/Filter/FlateDecode>>stream\n%s\nendstream" % (len(z), z)
               for z in (zlib.compress(os.urandom(4096) * 8 + b"BT /F1 12 Tf ET" * 500)
                         for _ in range(6000))]
    return crafted.pdf(b"<</Type/Catalog>>", *streams)


def big_docx() -> bytes:
    media = {f"word/media/p{n}.jpg": os.urandom(200_000) for n in range(100)}
    return crafted.zipped(crafted.DOCX_PARTS | media)


def timed(path: str, label: str, data: bytes) -> None:
    detected = validation.check_file(label, data[:8192], len(data), max_file_size=2**31)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        try:
            found = inspect(path, label, detected, max_pixels=50_000_000)
        except validation.EvidenceRejected as rejected:
            found = rejected.code
        runs.append(time.perf_counter() - start)
    print(f"inspect {label:<14} {len(data) / 2**20:6.1f} MB  best {min(runs) * 1000:7.1f} ms"
          f"  ({found})")


def render(kind: str, path: str, label: str) -> None:
    start = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our interpreter and script
        [sys.executable, "-I", str(RENDERER), kind, "50000000", "480", path],
        capture_output=True, check=True)
    print(f"preview {label:<14} {(time.perf_counter() - start) * 1000:7.1f} ms wall"
          f" -> {len(result.stdout) / 1024:.0f} KB JPEG")


def main() -> None:
    app = create_app({"CASEWORK_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    files = {"photo.jpg": big_photo(), "streams.pdf": big_pdf(), "media.docx": big_docx(),
             "bomb.png": crafted.png_declaring(100_000, 100_000), "real.pdf": crafted.real_pdf(3)}
    with app.test_request_context(), tempfile.TemporaryDirectory() as folder:
        paths = {}
        for label, data in files.items():
            paths[label] = os.path.join(folder, label)
            Path(paths[label]).write_bytes(data)
            timed(paths[label], label, data)
        render("image", paths["photo.jpg"], "photo.jpg")
        render("pdf", paths["real.pdf"], "real.pdf")
        for label, data in (("phone.jpg", phone_photo()),
                            ("phone-big.jpg", phone_photo((6000, 4000)))):
            paths[label] = os.path.join(folder, label)
            Path(paths[label]).write_bytes(data)
            metadata(paths[label], label, len(data))
        video = phone_video() + os.urandom(20 * 2**20)  # a 20 MB recording's worth of mdat
        paths["video.mp4"] = os.path.join(folder, "video.mp4")
        Path(paths["video.mp4"]).write_bytes(video)
        metadata(paths["video.mp4"], "video.mp4", len(video), "video_facts")


if __name__ == "__main__":
    main()
