"""Errors of the public forms: every mistake of a send named at once with its own message,
a summary that links to each field, refused sends that do not use up the right to send, and
the form (never an error page) when the limit is hit, with the hotline and the mailbox."""

import re

import pytest
from flask import current_app

from casework.cases.models import CaseMessage
from casework.intake.models import Complaint
from tests.intake.helpers import form_data
from tests.intake.test_tracking import file_complaint, track
from tests.plugin.data import NARRATIVE, count, csrf_from, files, png_bytes

GENERIC = ("This field is required", "Бұл өріс міндетті", "Обязательное поле")
BAD_FILE = ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100)
SUMMARY_LINKS = re.compile(r'<div class="error-summary"[^>]*>.*?</div>', re.S)


def summary(html: str) -> str:
    found = SUMMARY_LINKS.search(html)
    assert found, "no error summary"
    return found.group(0)


def three_mistakes(client, lang="en"):
    data = form_data(client, category="", narrative="too short")
    data["evidence"] = files(BAD_FILE)
    return client.post("/complaints/new", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": lang})


@pytest.mark.parametrize("lang,words", [
    ("en", ("Choose what happened.", "at least 30 characters", "virus.pdf")),
    ("ru", ("Выберите, что произошло", "30", "virus.pdf")),
    ("kk", ("Не болғанын таңдаңыз", "30", "virus.pdf")),
])
def test_three_mistakes_are_named_in_one_round_with_their_own_words(client, demo, lang, words):
    response = three_mistakes(client, lang)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and count(Complaint) == 0
    box = summary(html)
    for word in words:
        assert word in box
    assert not any(generic in html for generic in GENERIC)
    # One link per mistake, to the field where it is corrected.
    assert re.findall(r'href="#([\w-]+)"', box) == ["category-0", "narrative", "evidence"]
    assert 'role="alert"' in box and "autofocus" in box
    assert "too short" in html  # what was typed comes back


def test_a_missing_region_and_an_empty_text_have_their_own_words(client, demo):
    data = form_data(client, region="", narrative="", confirm_no_evidence="y")
    html = client.post("/complaints/new", data=data,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    box = summary(html)
    assert "Choose the region where it happened." in box and "Describe what happened" in box
    assert not any(generic in html for generic in GENERIC)


def test_the_no_evidence_question_comes_in_the_same_round_as_the_mistakes(client, demo):
    data = form_data(client, narrative="too short")
    html = client.post("/complaints/new", data=data,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    box = summary(html)
    assert "at least 30 characters" in box and 'href="#confirm_no_evidence"' in box
    assert 'name="confirm_no_evidence"' in html


def test_refused_sends_do_not_use_up_the_right_to_send(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT", "2 per minute")
    for _ in range(5):
        assert three_mistakes(client).status_code == 422
    for _ in range(2):
        data = form_data(client, confirm_no_evidence="y")
        assert client.post("/complaints/new", data=data).status_code == 302
    data = form_data(client, confirm_no_evidence="y")
    assert client.post("/complaints/new", data=data).status_code == 429
    assert count(Complaint) == 2


def test_refused_sends_have_their_own_allowance(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT_REFUSED", "3 per minute")
    for _ in range(3):
        assert three_mistakes(client).status_code == 422
    assert three_mistakes(client).status_code == 429
    # Another address is not affected.
    data = form_data(client, confirm_no_evidence="y")
    assert client.post("/complaints/new", data=data,
                       environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302


@pytest.mark.parametrize("lang,word", [("ru", "НЕ отправлена"), ("kk", "ЖІБЕРІЛГЕН ЖОҚ")])
def test_the_limit_gives_the_form_back_with_the_words_and_the_hotline(app, client, demo,
                                                                      monkeypatch, lang, word):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT", "1 per minute")
    assert client.post("/complaints/new", data=form_data(client, confirm_no_evidence="y"),
                       headers={"Accept-Language": lang}).status_code == 302
    typed = "Ауылдағы учаскеде бюллетеньдер таратылды " * 3
    response = client.post("/complaints/new", headers={"Accept-Language": lang},
                           data=form_data(client, narrative=typed, witnesses="Айгүл С.",
                                          confirm_no_evidence="y"))
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert 'id="complaint-form"' in html and 'id="limited"' in html and word in html
    assert typed.strip() in html and "Айгүл С." in html
    phone = current_app.config["CASEWORK_HOTLINE_PHONE"]
    assert f'href="tel:{phone.replace(" ", "")}"' in html and phone in html
    assert f'href="mailto:{current_app.config["CASEWORK_PUBLIC_EMAIL"]}"' in html
    assert count(Complaint) == 1


def test_a_refused_reply_comes_back_with_its_words_and_every_mistake(client, demo):
    code = file_complaint(client)
    browser = client.application.test_client()
    track(browser, code)
    token = csrf_from(browser, "/track/case")
    typed = "Мына фото: " + "ә" * 10_000
    response = browser.post("/track/case/reply", content_type="multipart/form-data",
                            headers={"Accept-Language": "ru"},
                            data={"csrf_token": token, "body": typed,
                                  "evidence": files(BAD_FILE)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and count(CaseMessage) == 0
    box = summary(html)
    assert re.findall(r'href="#([\w-]+)"', box) == ["body"]  # the length: a shape check
    assert typed in html
    # Within the length, the text and the file are refused together.
    response = browser.post("/track/case/reply", content_type="multipart/form-data",
                            headers={"Accept-Language": "ru"},
                            data={"csrf_token": token, "body": "   ",
                                  "evidence": files(BAD_FILE, ("ok.png", png_bytes()))})
    box = summary(response.get_data(as_text=True))
    assert response.status_code == 422 and "virus.pdf" in box


def test_the_publications_form_names_what_is_missing(client, demo, make_user, login):
    login(client, make_user("operator", email="op@test.kz"))
    token = csrf_from(client, "/staff/complaints/published")
    html = client.post("/staff/complaints/published", data={"csrf_token": token},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    box = summary(html)
    for words in ("Give the link", "Give the author", "Give the date", "Say what the publication"):
        assert words in box
    assert not any(generic in html for generic in GENERIC)


def test_the_whole_complaint_still_goes_through(client, demo):
    data = form_data(client, narrative=NARRATIVE)
    data["evidence"] = files(("photo.png", png_bytes()))
    assert client.post("/complaints/new", data=data,
                       content_type="multipart/form-data").status_code == 302
