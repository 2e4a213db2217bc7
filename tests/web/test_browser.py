"""The dashboard in a real headless Chromium (Debian's, driven by Playwright), served by a
real HTTP server over the real service: sign in, list, filter, open an app, read its
diff, press Sync as an operator, be refused as a viewer, look at the fleet. Screenshots of
the three pages are saved under the test's output directory for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from rq import Queue
from werkzeug.serving import make_server

from auditor.jobs import runtime
from tests.helpers.http import serving
from tests.web.conftest import Web, secret_forms

pytestmark = [pytest.mark.slow, pytest.mark.redis]
CHROMIUM = "/usr/bin/chromium"  # scripts/install_browser.sh (make test) installs it
FLAGS = [
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine has no internet: no phoning home
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(web: Web) -> Iterator[str]:
    with serving(make_server("127.0.0.1", 0, web.app, threaded=True)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "run scripts/install_browser.sh (make test does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def sign_in(browser: Browser, site: str, token: str) -> Page:
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    page.goto(f"{site}/apps")
    expect(page).to_have_url(f"{site}/login?next=/apps")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site}/apps")
    return page


def test_an_operator_reviews_drift_and_syncs(
    browser: Browser, site: str, web: Web, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    page = sign_in(browser, site, web.tokens["operator"])
    rows = page.locator("table.apps tbody tr")
    expect(rows.first).to_be_visible()
    total = rows.count()
    assert total >= 8
    expect(page.locator('tr[data-app="billing"]')).to_contain_text("OutOfSync")
    page.screenshot(path=shots / "apps.png", full_page=True)

    page.locator("select[name=status]").select_option("OutOfSync")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{site}/apps?status=OutOfSync&project=&cluster=&q=&sort=name")
    statuses = page.locator("table.apps tbody tr td:nth-child(2)").all_inner_texts()
    assert statuses and set(statuses) == {"OutOfSync"} and len(statuses) < total

    page.get_by_role("link", name="my-api-production", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("my-api-production")
    # Argo CD's diff, live to desired: the hand-set image goes, Git's comes back.
    live = page.locator("pre.diff span.del", has_text="v1.4.3-hotfix")
    desired = page.locator("pre.diff span.add", has_text="my-api:v1.4.2")
    expect(live.first).to_be_visible()
    expect(desired.first).to_be_visible()
    color = desired.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(220, 252, 231)"  # the stylesheet loaded under the CSP: green
    page.screenshot(path=shots / "app.png", full_page=True)

    page.get_by_role("button", name="Sync", exact=True).click()
    expect(page.locator("p.flash")).to_contain_text("enqueued")
    queue = Queue("syncs", connection=runtime.jobs().redis)
    jobs = [j for j in queue.get_jobs() if j.kwargs.get("app") == "my-api-production"]
    assert jobs and jobs[0].kwargs["user"] == "token:operator"
    web.work("syncs")
    page.reload()
    history = page.locator("section.history")
    expect(history).to_contain_text("token:operator")
    expect(history.locator(".op-succeeded").first).to_be_visible()

    page.get_by_role("link", name="Fleet").click()
    expect(page.locator("svg.chart polyline")).to_have_count(2)
    expect(page.locator("ul.legend")).to_contain_text("production")
    page.screenshot(path=shots / "fleet.png", full_page=True)
    for name in ("apps.png", "app.png", "fleet.png"):
        assert (shots / name).stat().st_size > 10_000
    for form in secret_forms():
        page.goto(f"{site}/apps/billing")
        assert form not in page.content()
    print(f"screenshots: {shots}")


def test_a_viewer_sees_no_sync_button_and_is_refused(browser: Browser, site: str, web: Web) -> None:
    page = sign_in(browser, site, web.tokens["viewer"])
    page.goto(f"{site}/apps/billing")
    expect(page.get_by_text("your roles do not let you sync it")).to_be_visible()
    expect(page.get_by_role("button", name="Sync", exact=True)).to_have_count(0)
    # The same form a viewer could forge (with their own CSRF token) is refused.
    page.evaluate(
        """() => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = '/apps/billing/sync';
            const token = document.querySelector('input[name=csrf_token]').cloneNode();
            form.appendChild(token);
            document.body.appendChild(form);
            form.submit();
        }"""
    )
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("may not sync")
