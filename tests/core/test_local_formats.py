"""Local formats: file sizes and numbers through Babel, lists in each language's alphabet,
short region names on the map tiles."""

import pytest
from flask_babel import force_locale

from casework.core.filters import filesize, number
from casework.core.i18n import collation_key, sorted_by_name
from casework.reports.map import short_label

KAZAKH = "А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я"


@pytest.mark.parametrize(("locale", "size", "shown"), [
    ("kk", 156, "156 байт"), ("ru", 156, "156 байт"), ("ru", 2, "2 байта"),
    ("en", 156, "156 bytes"), ("en", 1, "1 byte"),
    ("kk", 1536, "1,5 КБ"), ("ru", 1024, "1 КБ"), ("en", 1536, "1.5 KB"),
    ("kk", 120 * 2**10, "120 КБ"), ("ru", 5 * 2**20 + 2**19, "5,5 МБ"),
    ("kk", 3 * 2**30, "3,0 ГБ"), ("en", 2 * 2**20, "2 MB"),
])
def test_file_sizes_in_the_page_language(app_ctx, locale, size, shown):
    with force_locale(locale):
        assert filesize(size) == shown


@pytest.mark.parametrize(("locale", "shown"), [("kk", "1\xa0805"), ("ru", "1\xa0805"),
                                               ("en", "1,805")])
def test_numbers_group_digits_the_local_way(app_ctx, locale, shown):
    with force_locale(locale):
        assert number(1805) == shown
        assert number(None) == "—"


def test_kazakh_alphabet_order():
    letters = KAZAKH.split()
    shuffled = sorted(letters)  # code-point order: Ә, Ғ… at the end
    assert shuffled != letters
    assert sorted(shuffled, key=lambda t: collation_key(t, "kk")) == letters
    regions = ["Алматы облысы", "Ақтөбе облысы", "Ақмола облысы", "Қарағанды облысы",
               "Көкшетау", "Шымкент қаласы", "Іле ауданы", "Ұлытау облысы", "Үржар"]
    assert sorted_by_name(regions, "kk", str) == [
        "Ақмола облысы", "Ақтөбе облысы", "Алматы облысы", "Көкшетау", "Қарағанды облысы",
        "Ұлытау облысы", "Үржар", "Шымкент қаласы", "Іле ауданы"]


def test_russian_and_english_order():
    assert sorted_by_name(["яблоко", "Ёлка", "Жук", "Ель", "арбуз"], "ru", str) == [
        "арбуз", "Ёлка", "Ель", "Жук", "яблоко"]  # Ё filed under Е
    assert sorted_by_name(["beta", "Alpha", "gamma"], "en", str) == ["Alpha", "beta", "gamma"]
    # A shorter name comes before its longer forms.
    assert sorted_by_name(["Алматы қаласы", "Алматы"], "kk", str) == ["Алматы", "Алматы қаласы"]


@pytest.mark.parametrize(("name", "short"), [
    ("Қарағанды облысы", "Қарағанды"), ("Карагандинская область", "Караганд."),
    ("Солтүстік Қазақстан облысы", "СҚО"), ("Северо-Казахстанская область", "СКО"),
    ("Восточно-Казахстанская область", "ВКО"), ("город Шымкент", "Шымкент"),
    ("Нұр-Сұлтан қаласы", "Нұр-Сұлтан"), ("Karaganda Region", "Karaganda"),
])
def test_short_region_labels(name, short):
    assert short_label(name) == short
