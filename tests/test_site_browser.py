"""The public site in a real browser: Debian's headless Chromium driven by Playwright
(pip `playwright`, which brings no browser of its own: it launches /usr/bin/chromium,
installed by .ci/run and the README's test command). Skipped only where no chromium is
installed."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading

import pytest
import site_helpers

CHROMIUM = shutil.which("chromium")
# CI (.ci/run) sets CERTCLI_TEST_BROWSER=required: there a missing chromium fails.
REQUIRED = os.environ.get("CERTCLI_TEST_BROWSER") == "required"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not REQUIRED,
    reason="no chromium on this machine: apt-get install chromium (Debian's package)",
)
DATE = "2026-11-25"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CERTCLI_TEST_BROWSER=required but no chromium: apt-get install chromium"

    with sync_playwright() as play:
        found = play.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield found
        finally:
            found.close()


@pytest.fixture
def served(tmp_path):
    """A web server on loopback for the site's folder (as a host would serve it)."""
    out = tmp_path / "site"
    out.mkdir()
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield out, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def _write(cli, out):
    cli.ok("directory", "site", "--out", str(out), "--date", DATE, "--force")


def test_search_ignores_accents_and_case_offline(cli, store, browser, served):
    out, _ = served
    numbers = site_helpers.office(cli, store)
    _write(cli, out)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((out / "index.html").as_uri())  # from the folder: no server, no network
    page.fill("#q", "beregovoy")
    results = page.locator("#resultats li")
    assert results.count() == 1
    assert results.first.locator("a").text_content() == "Éric Bérégovoy"
    assert "1 résultat" in page.text_content("#compte")
    page.fill("#q", "ORLEANS economiste")
    assert results.count() == 1
    page.fill("#q", "dissimule")
    assert results.count() == 0
    assert "Aucune personne" in page.text_content("#compte")
    # keyboard only: the search box takes the focus with Tab, the result is a link
    page.fill("#q", "")
    page.focus("#q")
    page.keyboard.type("bérégovoy")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Éric Bérégovoy"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/titulaires/{numbers['eric']}.html")
    assert page.text_content("h1") == "Éric Bérégovoy"
    assert errors == []


def test_verify_shows_withdrawn_and_checks_a_code(cli, store, browser, served):
    out, url = served
    numbers = site_helpers.office(cli, store)
    code = cli.json("certificate", "show", numbers["eric"], "--as-of", DATE)["verification_code"]
    _write(cli, out)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{url}/verify.html")
    page.wait_for_selector("#verifier[data-ready]")
    assert f"{url}/status.json" in requested  # served: the published status.json itself

    def check(number, typed=""):
        page.fill("#numero", number)
        page.fill("#code", typed)
        page.click("button[type=submit]")
        return page.locator("#reponse")

    answer = check(numbers["gone"].lower())
    assert "retiré" in answer.locator(".statut").text_content()
    assert answer.locator("[data-status]").get_attribute("data-status") == "withdrawn"
    answer = check(numbers["eric"], code.replace("-", " ").lower())
    assert "valide" in answer.locator(".statut").text_content()
    assert answer.locator("[data-code]").get_attribute("data-code") == "ok"
    assert "authentique" in answer.text_content()
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    answer = check(numbers["eric"], wrong)
    assert answer.locator("[data-code]").get_attribute("data-code") == "faux"
    answer = check(numbers["hidden"])  # not in the directory, still verifiable
    assert "valide" in answer.locator(".statut").text_content()
    assert "Dissimulé" not in page.content()
    answer = check("ECO-2099-0042")
    assert "inconnu" in answer.locator(".statut").text_content()
    assert errors == []


def test_verify_works_from_the_folder_and_from_a_link(cli, store, browser, tmp_path):
    numbers = site_helpers.office(cli, store)
    out = tmp_path / "site"
    _write(cli, out)
    page = browser.new_page()
    page.goto((out / "verify.html").as_uri() + f"?n={numbers['gone']}")
    page.wait_for_selector("#verifier[data-ready]")
    assert "retiré" in page.text_content("#reponse .statut")
    # the attestation's QR code with the body's verify_url: VERIFY_URL?n=NUMBER&c=CODE
    code = cli.json("certificate", "show", numbers["eric"], "--as-of", DATE)["verification_code"]
    page.goto((out / "verify.html").as_uri() + f"?n={numbers['eric']}&c={code}")
    page.wait_for_selector("#verifier[data-ready]")
    assert page.get_attribute("#reponse [data-code]", "data-code") == "ok"
    # the holder's page links its number to verify.html
    page.goto((out / "titulaires" / f"{numbers['eric']}.html").as_uri())
    page.click(f"text={numbers['eric']}")
    page.wait_for_selector("#verifier[data-ready]")
    assert "valide" in page.text_content("#reponse .statut")
    # printable: the print style sheet hides the navigation and the form
    page.emulate_media(media="print")
    assert page.locator("nav").is_hidden() and page.locator("form").is_hidden()
