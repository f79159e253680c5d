"""The browser step of `.ci/run`: people using the pages as they are, in Debian's chromium.

An admin signs in through the whitelist Swagger UI's Authorize dialog (password grant against
identity on another port), files a whitelist application with "Try it out", a second
whitelist admin signs in and approves it there too; the HQ dashboard on registry loads with
figures. Playwright drives the system chromium (`executable_path`, never `playwright
install`). A test without chromium skips, unless PORTTRUST_REQUIRE_BROWSER=1 (`.ci/run`),
where it fails. On failure the page's screenshot is kept in PORTTRUST_ARTEFACTS/browser.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from porttrust_dev.stack import Stack
from tests.helpers_flows import Api, register_parties, second_admin

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "browser-Pa55word!"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    required = os.environ.get("PORTTRUST_REQUIRE_BROWSER") == "1"
    if CHROMIUM is None:
        if required:
            pytest.fail("PORTTRUST_REQUIRE_BROWSER=1 but no chromium on PATH", pytrace=False)
        pytest.skip("no chromium on PATH (apt-get install chromium); .ci/run requires it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []
    opened.on("request", lambda req: outside.append(req.url)
              if not re.match(r"^(https?://127\.0\.0\.1|data:|blob:)", req.url) else None)
    opened.outside_requests = outside
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = Path(os.environ.get("PORTTRUST_ARTEFACTS") or tmp_path) / "browser"
        folder.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=str(folder / f"{request.node.name}.png"), full_page=True)
        print(f"screenshot: {folder / (request.node.name + '.png')}")
    context.close()


@pytest.fixture(scope="module")
def admins(stack: Stack, admin_token: str) -> tuple[str, str]:
    """Two whitelist admins who are two people: the applicant is made by the admin and the
    approver by a second, independent HQ admin (an identity counts as whoever made it for
    every two-person rule); each privileged grant is approved by the other admin."""
    admin, second = Api(stack, admin_token), second_admin(stack)
    for maker, checker, name in ((admin, second, "wl-applicant"), (second, admin, "wl-approver")):
        created = maker.post("identity", "/v1/users", {
            "username": name, "password": PASSWORD, "roles": ["whitelist_admin"],
            "province": "HQ"})
        assert created.status_code == 201, created.text
        grant = created.json().get("grant_id")
        if grant:
            approved = checker.post("identity", f"/v1/grants/{grant}/approve")
            assert approved.status_code == 200, approved.text
    return "wl-applicant", "wl-approver"


def sign_in(page: Any, username: str) -> None:
    """Swagger UI's Authorize dialog, password flow, against identity's /v1/token."""
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    flow = dialog.locator(".auth-container").filter(has_text="OAuth2, password")
    flow.locator("#oauth_username").fill(username)
    flow.locator("#oauth_password").fill(PASSWORD)
    flow.locator("button", has_text="Authorize").first.click()
    flow.locator("button", has_text="Logout").first.wait_for()  # identity issued the token
    dialog.locator("button.btn-done").first.click()


def sign_out(page: Any) -> None:
    page.locator(".auth-wrapper button.authorize").click()
    page.locator(".modal-ux button", has_text="Logout").first.click()
    page.locator(".modal-ux button.btn-done").first.click()


def try_it(page: Any, operation: str, *, body: dict[str, Any] | None = None,
           params: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Open an operation, "Try it out", fill it, "Execute"; the live status and JSON body."""
    block = page.locator(f"#operations-{operation}")
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    for name, value in (params or {}).items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    if body is not None:
        block.locator("textarea.body-param__text").fill(json.dumps(body))
    block.locator("button.execute").click()
    live = block.locator(".live-responses-table .response")
    live.wait_for()
    status = int(live.locator(".response-col_status").inner_text().strip()[:3])
    text = live.locator(".response-col_description pre.microlight").first.inner_text()
    return status, json.loads(text)


def test_whitelist_application_filed_and_approved_through_swagger_ui(
        page: Any, stack: Stack, admins: tuple[str, str], admin_token: str) -> None:
    applicant, approver = admins
    # An application names a port registry knows, in the province it names (issue 9, item 4).
    port = register_parties(Api(stack, admin_token), 982, province="44").port  # serial: unused
    page.goto(stack.url("whitelist") + "/docs")
    page.locator("#operations-applications-submit_application").wait_for()
    sign_in(page, applicant)
    status, filed = try_it(page, "applications-submit_application", body={
        "number": port, "category": "emergency_rescue", "province": "44",
        "justification": "Typhoon warnings for the coastal counties."})
    assert status == 201, filed
    assert filed["status"] == "pending"
    sign_out(page)
    sign_in(page, approver)
    status, approved = try_it(page, "applications-approve_application", body={},
                              params={"application_id": str(filed["id"])})
    assert status == 200, approved
    assert approved["status"] == "approved"
    assert page.outside_requests == []  # nothing but this machine: no CDN, no font


def test_hq_dashboard_loads_with_figures(page: Any, stack: Stack, admin_token: str) -> None:
    register_parties(Api(stack, admin_token), 981, province="44")  # serial: unused elsewhere
    page.goto(stack.url("registry") + "/dashboard")
    page.locator("#token").fill(admin_token)
    page.locator("#auth button[type=submit]").click()
    row = page.locator("#table tbody tr").filter(has_text="44")
    row.first.wait_for()
    assert "1" in row.first.inner_text()
    assert page.outside_requests == []


def test_redoc_renders_offline(page: Any, stack: Stack) -> None:
    page.goto(stack.url("credit") + "/redoc")
    page.get_by_text("PortTrust credit").first.wait_for()
    # ReDoc's footer logo would come from a CDN: the page's policy blocks it, nothing leaves.
    assert [url for url in page.outside_requests if "redoc.ly" not in url] == []
