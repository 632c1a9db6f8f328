"""Hostile and honest files made byte by byte for the inspection and preview tests."""

import io
import struct
import zipfile
import zlib

from PIL import Image

from tests.plugin.data import _png_chunk


def png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's shape: a header declaring width×height, a few bytes of IDAT."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def gif_declaring(width: int, height: int, frame: tuple[int, int] | None = None) -> bytes:
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
    fw, fh = frame or (1, 1)
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, fw, fh, 0) + b"\x02\x02\x4c\x01\x00"
    return screen + image + b"\x3b"


def jpeg_declaring(width: int, height: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34" + b"\xff\xd9"


def webp_declaring(width: int, height: int) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + \
        (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def heic_declaring(width: int, height: int) -> bytes:
    ftyp = struct.pack(">I", 16) + b"ftypheic" + b"\x00\x00\x00\x00"
    ispe = struct.pack(">I", 20) + b"ispe" + b"\x00\x00\x00\x00" + struct.pack(">II", width, height)
    meta = struct.pack(">I", 8 + len(ispe)) + b"meta" + ispe
    return ftyp + meta


def picture(fmt: str, size=(64, 48), **save) -> bytes:
    """A real picture made by Pillow: a gradient, so it is not one flat colour."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def photo_with_gps(size=(1600, 1200)) -> bytes:
    """A JPEG that carries EXIF metadata (a camera and a place) the preview must drop."""
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0110] = "Model-X"
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 57.0, 0.0)}
    return picture("JPEG", size, exif=exif.tobytes())


def pdf(*objects: bytes, tail: bytes = b"") -> bytes:
    body = b"%PDF-1.7\n" + b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, o)
                                   for n, o in enumerate(objects, 1))
    return body + tail + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def real_pdf(pages: int = 1) -> bytes:
    """A PDF pdfium itself wrote, with A4 pages."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(595, 842)
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


def zipped(entries: dict[str, bytes], *, method=zipfile.ZIP_DEFLATED, first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), entries[first], zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != first:
                archive.writestr(name, data)
    return out.getvalue()


DOCX_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                           b'package/2006/content-types"/>',
    "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
    "word/document.xml": b'<?xml version="1.0"?><w:document/>',
}
ODT_PARTS = {
    "mimetype": b"application/vnd.oasis.opendocument.text",
    "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest/>',
    "content.xml": b'<?xml version="1.0"?><office:document-content/>',
}
