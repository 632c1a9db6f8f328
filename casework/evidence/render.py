"""Render one thumbnail in a child process: `python -I render.py <image|pdf> <max_pixels>
<size> <path>` writes a JPEG to stdout.

Run as a separate, resource-limited process (see previews.py) so that a hostile file that
crashes, hangs or swells a decoder takes down only this process. It imports nothing of the
application. The JPEG is re-encoded pixels only: no metadata, no colour profile, no script.
"""

import io
import resource
import sys

MEMORY_LIMIT = 1024 * 2**20
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


def image(path: str, max_pixels: int, size: int):
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels  # over it (twice over: an error) before decoding
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

    document = pdfium.PdfDocument(path)  # no forms environment: no script ever runs
    try:
        page = document[0]
        width, height = page.get_size()
        scale = min(size / max(width, height, 1), 4.0)
        return page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def main(argv: list[str]) -> int:
    kind, max_pixels, size, path = argv[1], int(argv[2]), int(argv[3]), argv[4]
    _limit()
    picture = {"image": image, "pdf": pdf}[kind](path, max_pixels, size)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80, optimize=True)
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
