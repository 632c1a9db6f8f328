"""The queue filters' options made once per (election data, language, scope): the same HTML
as WTForms renders, each user's regions only, new data shown at once. Dates formatted by
the prepared formats as flask_babel formats them."""

import random
import re
from datetime import datetime, timedelta

import pytest
import pytz
from flask_babel import force_locale, format_datetime
from wtforms import SelectChoice, SelectField
from wtforms.form import Form

from casework.cases.queue_choices import PreparedSelect, rendered
from casework.core.filters import local_dt
from casework.extensions import db
from tests import factories


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>[^<]*</option>", select)


def test_prepared_options_are_the_html_wtforms_renders(app):
    class Plain(Form):
        region = SelectField(choices=[SelectChoice("", "All"), SelectChoice("a&b", "<Ақмола>"),
                                      SelectChoice("x", "X")])

    for data in (None, "", "a&b", "x", "unknown"):
        form = Plain(data={"region": data} if data is not None else None)
        expected = form.region()
        form.region.prepared = rendered(form.region.choices)
        assert PreparedSelect()(form.region) == expected, data


def test_each_user_gets_the_regions_of_their_scope(app, client, login, election, make_user):
    factories.candidate(election, "C-1")
    secretary = make_user("secretary")
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    db.session.commit()
    login(client, secretary)
    everything = options(client.get("/cases").get_data(as_text=True), "region")
    reviewer = app.test_client()
    login(reviewer, almaty)
    mine = options(reviewer.get("/cases?region=KZ-ALA").get_data(as_text=True), "region")
    assert len(mine) < len(everything)
    assert [o for o in mine if " selected" in o] == [
        o for o in mine if 'value="KZ-ALA"' in o]
    assert not any("KZ-KAR" in o or 'value="none"' in o for o in mine)
    # and the secretary's options are still all of them
    assert options(client.get("/cases").get_data(as_text=True), "region") == everything


def test_a_renamed_candidate_and_a_new_member_show_at_once(client, login, election, make_user):
    found = factories.candidate(election, "C-1", "Бірінші")
    secretary = make_user("secretary")
    db.session.commit()
    login(client, secretary)
    assert any("Бірінші (C-1)" in o for o in options(client.get("/cases").get_data(as_text=True),
                                                      "candidate"))
    found.name_kk = found.name_ru = found.name_en = "Екінші"
    make_user("reviewer", email="new@test.kz", name="Жаңа Мүше")
    db.session.commit()
    html = client.get("/cases").get_data(as_text=True)
    assert any("Екінші (C-1)" in o for o in options(html, "candidate"))
    assert not any("Бірінші" in o for o in options(html, "candidate"))
    assert any("Жаңа Мүше" in o for o in options(html, "assignee"))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty", "Asia/Aqtobe", "Europe/Berlin"])
def test_dates_are_formatted_as_flask_babel_formats_them(app, zone):
    rng = random.Random(7)
    values = [datetime(2025, 1, 1) + timedelta(minutes=rng.randrange(2_000_000),
                                               seconds=rng.randrange(60)) for _ in range(300)]
    with app.test_request_context("/"):
        from flask_babel import _get_current_context
        for language in ("kk", "ru", "en"):
            with force_locale(language):
                _get_current_context().babel_tzinfo = pytz.timezone(zone)
                for fmt in ("short", "medium", "long", "full", "d MMM y, HH:mm zzzz"):
                    for value in values:
                        assert local_dt(value, fmt) == format_datetime(value, fmt)
                assert local_dt(None, "short") == "—"
