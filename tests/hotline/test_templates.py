"""Every hotline page that offers an access key loads the script that makes it work with a
Kazakh or Russian keyboard layout (static/js/hotline.js); the complaint form asks what
happened first and the caller last."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "hotline"
PAGES = sorted(p for p in TEMPLATES.glob("*.html") if not p.name.startswith("_"))


@pytest.mark.parametrize("template", PAGES, ids=lambda p: p.name)
def test_a_page_with_access_keys_loads_hotline_js(template):
    text = template.read_text(encoding="utf-8")
    included = "".join((TEMPLATES / name).read_text(encoding="utf-8")
                       for name in re.findall(r'include "hotline/(_\w+\.html)"', text))
    if "accesskey" in text + included or "data-ctrl-enter" in text:
        assert "js/hotline.js" in text, f"{template.name} offers access keys without hotline.js"


def test_the_complaint_form_asks_what_where_then_who():
    text = (TEMPLATES / "complaint.html").read_text(encoding="utf-8")
    order = [text.index(f'id="{name}"') for name in ("facts", "place", "caller")]
    assert order == sorted(order)
    assert text.index("form.narrative") < text.index("form.region") < text.index("form.name")
