"""Safe previews: the worker re-encodes pictures and the first page of PDFs into small JPEG
thumbnails without metadata, in a child process; a file that cannot be previewed is marked
once and not retried forever; the thumbnail is served only to whoever may read the case."""

import io

import pytest
from PIL import Image
from sqlalchemy import select

from casework import worker
from casework.evidence.models import EvidenceItem, PreviewStatus
from casework.evidence.previews import render_due_previews
from casework.evidence.services import attach, store_upload
from casework.extensions import db
from tests import factories
from tests.evidence import crafted
from tests.plugin.data import png_bytes
from tests.plugin.evidence import stored_bytes

MB = 2**20


def add(case, data: bytes, name: str) -> EvidenceItem:
    item = attach(case, store_upload(io.BytesIO(data), name, max_file_size=30 * MB), source="web")
    db.session.commit()
    return item


def preview_of(item: EvidenceItem) -> Image.Image:
    db.session.refresh(item)
    assert item.preview_status == PreviewStatus.READY
    return Image.open(io.BytesIO(stored_bytes(item.preview_sha256)))


def test_the_preview_task_is_registered_with_the_worker():
    assert render_due_previews in worker.PERIODIC


def test_a_photo_becomes_a_small_jpeg_without_its_metadata(case):
    photo = add(case, crafted.photo_with_gps((1600, 1200)), "photo.jpg")
    assert photo.preview_status == PreviewStatus.PENDING
    assert render_due_previews() == 1
    thumbnail = preview_of(photo)
    assert thumbnail.format == "JPEG" and thumbnail.size == (480, 360)
    assert not thumbnail.getexif() and "exif" not in thumbnail.info
    assert "icc_profile" not in thumbnail.info
    assert render_due_previews() == 0  # nothing is due any more


@pytest.mark.parametrize("data, name", [
    (png_bytes(3, 2), "dot.png"),
    (crafted.picture("GIF", (800, 600)), "anim.gif"),
    (crafted.picture("WEBP", (900, 300)), "pic.webp"),
    (crafted.picture("PNG", (64, 48)) + b"<script>alert(1)</script>", "polyglot.png"),
])
def test_pictures_of_every_kind_get_a_preview(case, data, name):
    item = add(case, data, name)
    render_due_previews()
    thumbnail = preview_of(item)
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 480


def test_the_first_page_of_a_pdf_is_rendered(case):
    item = add(case, crafted.real_pdf(pages=3), "act.pdf")
    render_due_previews()
    thumbnail = preview_of(item)
    assert thumbnail.format == "JPEG" and thumbnail.height == 480 and thumbnail.width < 480


def test_an_unrenderable_file_is_marked_once_and_left_alone(case):
    broken = add(case, png_bytes()[:40] + b"\x00" * 200, "broken.png")
    empty_pdf = add(case, crafted.pdf(b"<</Type/Catalog>>"), "empty.pdf")
    assert render_due_previews() == 2
    for item in (broken, empty_pdf):
        db.session.refresh(item)
        assert (item.preview_status, item.preview_attempts) == (PreviewStatus.FAILED, 1)
    assert render_due_previews() == 0


def test_a_file_that_kept_killing_the_renderer_is_given_up(case):
    item = add(case, png_bytes(), "crashes.png")
    item.preview_attempts = 3  # three rounds died while rendering it
    db.session.commit()
    render_due_previews()
    db.session.refresh(item)
    assert (item.preview_status, item.preview_sha256) == (PreviewStatus.FAILED, None)


def test_other_files_get_no_preview(case):
    item = add(case, crafted.zipped(crafted.DOCX_PARTS), "report.docx")
    assert item.preview_status is None
    assert render_due_previews() == 0


def test_batches_are_small(case, app):
    for n in range(7):
        add(case, png_bytes(n + 1, 1), f"p{n}.png")
    assert render_due_previews() == app.config["CASEWORK_EVIDENCE_PREVIEW_BATCH"] == 5
    assert render_due_previews() == 2
    assert set(db.session.scalars(select(EvidenceItem.preview_status))) == {PreviewStatus.READY}


def test_the_preview_is_served_safely_to_case_readers_only(case, app, login, election):
    item = add(case, crafted.photo_with_gps((800, 600)), "photo.jpg")
    url = f"/cases/{case.reference}/evidence/{item.id}/preview"
    reviewer = factories.user("reviewer", election=election, email="kar@test.kz", regions=["KZ-KAR"])
    almaty = factories.user("reviewer", election=election, email="ala@test.kz", regions=["KZ-ALA"])
    operator = factories.user("operator", election=election, email="op@test.kz", regions=["KZ-KAR"])
    clients = {}
    for name, user in (("reviewer", reviewer), ("almaty", almaty), ("operator", operator)):
        clients[name] = app.test_client()
        clients[name].set_cookie("casework_lang", "en")
        assert login(clients[name], user).status_code == 302

    page = clients["reviewer"].get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Preview being prepared" in page and url not in page
    assert clients["reviewer"].get(url).status_code == 404  # not rendered yet
    render_due_previews()
    page = clients["reviewer"].get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f'src="{url}"' in page

    response = clients["reviewer"].get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert Image.open(io.BytesIO(response.data)).size == (480, 360)
    response.close()
    assert clients["almaty"].get(url).status_code == 404
    assert clients["operator"].get(url).status_code == 403
    assert app.test_client().get(url).status_code in (302, 401)


def test_a_turned_photo_is_previewed_upright(case):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held on its side
    item = add(case, crafted.picture("JPEG", (1600, 1200), exif=exif.tobytes()), "side.jpg")
    render_due_previews()
    assert preview_of(item).size == (360, 480)
