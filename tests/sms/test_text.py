"""SMS text rules: language, GSM 7-bit or UCS-2, parts, decoding what Kannel posts."""

from casework.sms import text


def test_language_from_the_letters():
    assert text.language_of("Сәлем, учаскеде") == "kk"
    assert text.language_of("Здравствуйте, на участке") == "ru"
    assert text.language_of("STATUS ABCD") == "kk"
    assert text.language_of("STATUS ABCD", default="ru") == "ru"


def test_parts_gsm_and_ucs2():
    assert text.parts("a" * 160) == 1 and text.parts("a" * 161) == 2
    assert text.parts("a" * 306) == 2 and text.parts("a" * 307) == 3
    assert text.parts("€" * 80) == 1 and text.parts("€" * 81) == 2  # two septets each
    assert text.parts("ә" * 70) == 1 and text.parts("ә" * 71) == 2
    assert text.parts("ә" * 134) == 2 and text.parts("ә" * 135) == 3
    assert text.parts("😀" * 35) == 1  # a surrogate pair is two UCS-2 units


def test_fit_cuts_to_two_parts():
    long = "Шағым " * 60
    cut = text.fit(long)
    assert text.parts(cut) == 2 and cut.endswith("…")
    assert text.fit("short") == "short"


def test_decode_utf16_utf8_and_unknown():
    kazakh = "Сәлем ұяң"
    assert text.decode_body(kazakh.encode("utf-16-be"), "UTF-16BE", 2) == kazakh
    assert text.decode_body(kazakh.encode("utf-16-be"), None, 2) == kazakh
    assert text.decode_body(kazakh.encode(), '"UTF-8"', 0) == kazakh
    assert text.decode_body(kazakh.encode(), "x-unknown", 0) == kazakh
    assert text.decode_body(b"\xff\xfe bad", "UTF-8", 0).endswith(" bad")
