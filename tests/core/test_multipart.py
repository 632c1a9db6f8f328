"""core/multipart.py: the boundary search answers as Werkzeug's compiled patterns do, and a
form still parses (files and fields) with the decoder installed."""

import io
import random
import re

from werkzeug.datastructures import FileStorage
from werkzeug.sansio.multipart import LINE_BREAK
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from casework.core.multipart import BoundaryPattern, Decoder, install


def werkzeug_pattern(boundary: bytes, required: bool) -> re.Pattern:
    return re.compile(rb"%s%s--%s(--[^\S\n\r]*%s?|[^\S\n\r]*%s)"
                      % (LINE_BREAK, b"" if required else b"?", re.escape(boundary),
                         LINE_BREAK, LINE_BREAK), re.MULTILINE)


def test_the_search_matches_werkzeugs_patterns():
    rng = random.Random(16)
    pieces = [b"\r", b"\n", b"\r\n", b"-", b"--", b" ", b"\t", b"x", b"b-1", b"--b-1", b"a"]
    for boundary in (b"b-1", b"-", b"xx"):
        for required in (False, True):
            ours = BoundaryPattern(boundary, line_break_required=required)
            theirs = werkzeug_pattern(boundary, required)
            for _ in range(3000):
                data = b"".join(rng.choice(pieces + [b"--" + boundary])
                                for _ in range(rng.randint(0, 14)))
                pos = rng.randint(0, len(data))
                got, want = ours.search(data, pos), theirs.search(data, pos)
                assert (got is None) == (want is None), (data, pos)
                if want is not None:
                    assert (got.start(), got.end(), got.group(1)) == \
                        (want.start(), want.end(), want.group(1)), (data, pos)


def test_a_form_with_a_file_parses_with_the_decoder():
    install()
    body = b"\x89PNG" + bytes(range(256)) * 300 + b"\r\n--not-the-boundary\r\n"
    builder = EnvironBuilder(method="POST", data={
        "complaint": '{"a": "б"}',
        "evidence": FileStorage(io.BytesIO(body), "photo.png", content_type="image/png")})
    request = Request(builder.get_environ())
    try:
        assert request.form["complaint"] == '{"a": "б"}'
        assert request.files["evidence"].read() == body
        assert request.files["evidence"].filename == "photo.png"
    finally:
        request.close()
        builder.close()
    from werkzeug import formparser

    assert formparser.MultipartDecoder is Decoder
