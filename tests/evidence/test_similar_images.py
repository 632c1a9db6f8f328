"""The same picture sent again: a re-encoded, resized copy of a photo on another case is
found by its perceptual hash, a different photo is not; exact repeats by SHA-256; the case
page names the other cases the reader may open; the queue filters reused evidence."""

import io
import re

from PIL import Image, ImageDraw
from sqlalchemy import select

from casework.cases.models import Case, CaseState
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.evidence.models import ImageHash, ImageMatch
from casework.evidence.photo_facts import read_due_photo_facts
from casework.evidence.similar_images import bands_of, perceptual_hash
from casework.extensions import db
from tests.evidence.test_photo_facts import add, reviewer_client


def scene(seed: int, size=(1200, 900)) -> Image.Image:
    """A photo-like picture: shapes on a gradient, different for each seed."""
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for n in range(12):
        x, y = (seed * 97 + n * 131) % size[0], (seed * 53 + n * 89) % size[1]
        draw.ellipse((x, y, x + 90 + n * 7, y + 70 + n * 5),
                     fill=((seed * 40 + n * 20) % 256, (n * 60) % 256, (seed * 90) % 256))
    draw.rectangle((size[0] // 3, size[1] // 4, size[0] // 2, size[1] // 2),
                   fill=(250, 250, (seed * 30) % 256))
    return picture


def jpeg(picture: Image.Image, quality=90) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_a_recompressed_smaller_copy_matches_and_another_photo_does_not(make_case, app, login,
                                                                         election, make_user):
    first, second, third = (make_case(CaseState.SCREENING, region_code="KZ-KAR", evidence=0)
                            for _ in range(3))
    original = scene(1)
    a = add(first, jpeg(original), "original.jpg")
    b = add(second, jpeg(original.resize((600, 450)), quality=55), "whatsapp.jpg")
    c = add(third, jpeg(scene(7)), "other.jpg")
    assert read_due_photo_facts() == 3
    hashes = {row.evidence_item_id: (row.frame, row.at_ms)
              for row in db.session.scalars(select(ImageHash))}
    assert hashes == {a.id: (0, None), b.id: (0, None), c.id: (0, None)}
    pairs = {(m.evidence_item_id, m.other_item_id): m.distance
             for m in db.session.scalars(select(ImageMatch))}
    assert set(pairs) == {(a.id, b.id), (b.id, a.id)}
    assert pairs[(a.id, b.id)] <= 6
    db.session.expire_all()
    assert [c.evidence_reused for c in (db.session.get(Case, first.id),
                                        db.session.get(Case, second.id),
                                        db.session.get(Case, third.id))] == [True, True, False]
    # The queue's filter, and the case page naming the other case.
    secretary = make_user("secretary")
    page = queue_page(secretary, election, QueueFilters(evidence_reused=True), limit=50)
    assert {row.case.reference for row in page.rows} == {first.reference, second.reference}
    reviewer = reviewer_client(app, login, election, "en")
    html = reviewer.get(f"/cases/{first.reference}").get_data(as_text=True)
    [reused] = re.findall(r'<p class="evidence-reused">(.*?)</p>', html, re.S)
    assert "The same or a nearly identical image is evidence in cases:" in reused
    assert f'href="/cases/{second.reference}"' in reused and third.reference not in reused
    assert "bits of 64 differ" in reused or "the same picture" in reused


def test_the_same_file_on_another_case_is_named_and_scope_is_kept(make_case, app, login,
                                                                  election):
    here = make_case(CaseState.SCREENING, region_code="KZ-KAR", evidence=0)
    there = make_case(CaseState.SCREENING, region_code="KZ-ALA", evidence=0)
    data = jpeg(scene(3))
    add(here, data, "a.jpg")
    add(there, data, "b.jpg")
    read_due_photo_facts()
    everyone = reviewer_client(app, login, election, "en")
    html = everyone.get(f"/cases/{here.reference}").get_data(as_text=True)
    [reused] = re.findall(r'<p class="evidence-reused">(.*?)</p>', html, re.S)
    assert there.reference in reused and "the same file" in reused
    # A reviewer of Karaganda only does not learn that an Almaty case holds it.
    from tests import factories

    local = factories.user("reviewer", election=election, email="kar@test.kz",
                           regions=["KZ-KAR"])
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, local).status_code == 302
    html = client.get(f"/cases/{here.reference}").get_data(as_text=True)
    assert "a.jpg" in html and 'class="evidence-reused"' not in html


def test_bands_and_bad_grey_levels():
    assert bands_of(0x0102030405060708) == [(0, 8), (1, 7), (2, 6), (3, 5), (4, 4), (5, 3),
                                            (6, 2), (7, 1)]
    assert perceptual_hash(None) is None
    assert perceptual_hash("zz" * 1024) is None
    assert perceptual_hash("00" * 1023) is None
    assert isinstance(perceptual_hash("7f" * 1024), int)
