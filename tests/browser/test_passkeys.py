"""Passkeys in real Chromium with its virtual authenticator (DevTools protocol, WebAuthn
domain): a reviewer signs in with the password, adds a passkey on a laptop and another on a
phone (two authenticators, one after the other), names them, removes the laptop's, logs out,
signs in with the phone's passkey alone, confirms an act with it (the step-up proof), and
the removed laptop passkey no longer signs in.

The site is opened as http://localhost:PORT: localhost is a secure context, and an IP address
cannot be a WebAuthn relying party."""

import re

import pytest
from sqlalchemy import select

from casework.accounts.passkey_models import Passkey
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests import factories
from tests.plugin.browser import ARTIFACTS, context_page, sign_in

pytestmark = pytest.mark.browser

AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True}


@pytest.fixture
def site(app, live_server, monkeypatch):
    """The live server as http://localhost:PORT, the relying party set to match."""
    port = live_server.rsplit(":", 1)[1]
    origin = f"http://localhost:{port}"
    monkeypatch.setitem(app.config, "CASEWORK_WEBAUTHN_RP_ID", "localhost")
    monkeypatch.setitem(app.config, "CASEWORK_WEBAUTHN_ORIGIN", origin)
    return origin


@pytest.fixture
def reviewer(election):
    return factories.user("reviewer", election=election, email="passkey@test.kz",
                          name="Pasha Passkey")


@pytest.fixture
def tab(browser, request):
    context, page = context_page(browser, locale="en-US")
    page.context.add_cookies([{"name": "casework_lang", "value": "en", "domain": "localhost",
                               "path": "/"}])
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"passkeys-{name}.png"), full_page=True)


def add_authenticator(cdp) -> str:
    return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})["authenticatorId"]


def add_passkey(page, name):
    page.fill("#new-passkey-name", name)
    with page.expect_navigation():
        page.click("[data-passkey=register] [data-passkey-start]")
    assert page.locator(".flash-success").count() == 1, page.content()


def passkey_names(page) -> list[str]:
    return page.eval_on_selector_all("tr[data-passkey-row]",
                                     "rows => rows.map(r => r.getAttribute('data-passkey-row'))")


def log_out(page):
    with page.expect_navigation():
        page.click("form.logout button[type=submit]")


def test_register_two_remove_one_sign_in_and_confirm_with_a_passkey(app, site, tab, reviewer):
    page = tab
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    laptop = add_authenticator(cdp)

    # the password and the authenticator app's code first (the only way in before a passkey)
    page.goto(site + "/login")
    assert page.locator("[data-passkey=sign_in] [data-passkey-start]").is_visible()
    sign_in(page, site, reviewer.email, factories.PASSWORD)

    page.goto(site + "/account")
    assert "You have no passkey." in page.inner_text("section.passkeys")
    # no name: the page asks for one, nothing is created
    page.click("[data-passkey=register] [data-passkey-start]")
    assert "name" in page.inner_text("[data-passkey=register] [data-passkey-message]")
    add_passkey(page, "Laptop")
    laptop_credentials = cdp.send("WebAuthn.getCredentials",
                                  {"authenticatorId": laptop})["credentials"]
    assert len(laptop_credentials) == 1 and laptop_credentials[0]["isResidentCredential"]
    # the same device again: the browser refuses (the server excluded its passkey)
    page.fill("#new-passkey-name", "Laptop again")
    page.click("[data-passkey=register] [data-passkey-start]")
    page.wait_for_selector("[data-passkey=register] [data-passkey-message]:not([hidden])")
    assert "already" in page.inner_text("[data-passkey=register] [data-passkey-message]")

    # a second device: the phone
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": laptop})
    phone = add_authenticator(cdp)
    add_passkey(page, "Phone")
    assert passkey_names(page) == ["Laptop", "Phone"]
    shot(page, "1-two-passkeys")

    # rename the phone's, remove the laptop's
    page.fill("tr[data-passkey-row=Phone] input[name=name]", "Work phone")
    with page.expect_navigation():
        page.click("tr[data-passkey-row=Phone] form.passkey-rename button")
    with page.expect_navigation():
        page.click("tr[data-passkey-row=Laptop] button[aria-label*=Laptop]")
    assert passkey_names(page) == ["Work phone"]
    shot(page, "2-one-removed")
    log_out(page)

    # signing in with the phone's passkey alone: no email, no password
    page.goto(site + "/login?next=/account")
    shot(page, "3-login")
    with page.expect_navigation():
        page.click("[data-passkey=sign_in] [data-passkey-start]")
    page.wait_for_url(re.compile(r"/account$"))
    assert page.locator("form.logout .who").inner_text() == "Pasha Passkey"
    shot(page, "4-signed-in-with-passkey")
    stored = db.session.scalar(select(Passkey))
    db.session.refresh(stored)
    assert stored.name == "Work phone" and stored.last_used_at is not None

    # the step-up proof on the confirmation page: the passkey instead of password + code
    page.goto(site + "/account/confirm?next=/cases")
    shot(page, "5-confirm")
    with page.expect_navigation():
        page.click("[data-passkey=confirm] [data-passkey-start]")
    page.wait_for_url(re.compile(r"/cases$"))
    used = [e.details.get("purpose") for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "passkey.used"))]
    assert used == ["sign_in", "confirm"]
    log_out(page)

    # the laptop's passkey, removed on the server, no longer signs in (its key is put back on
    # a device to try)
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": phone})
    old = add_authenticator(cdp)
    cdp.send("WebAuthn.addCredential", {"authenticatorId": old,
                                        "credential": laptop_credentials[0]})
    page.goto(site + "/login")
    page.click("[data-passkey=sign_in] [data-passkey-start]")
    message = page.locator("[data-passkey=sign_in] [data-passkey-message]")
    message.wait_for(state="visible")
    assert message.inner_text() == ("The sign-in did not succeed. Try again, or sign in with "
                                    "your password.")
    assert page.url.endswith("/login")
    shot(page, "6-removed-passkey-refused")
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": old})
