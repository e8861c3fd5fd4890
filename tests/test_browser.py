"""The explorer in headless Chromium (Debian's, see scripts/install_chromium.sh): search, open an entity,
expand a node of the network, see highlighted evidence, and no script from hostile names ever runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_api_support import DENG, HOSTILE_IMG, HOSTILE_SCRIPT, build_store_dir, running_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[1]
BIRTH_EVENT = "evt:aadb7d73f870"
VILLAGE = "plc:dd7bbd1098a6"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run `bash scripts/install_chromium.sh` (Debian's chromium + fonts-noto-cjk)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over the fixture graph plus the hostile names."""
    _require_chromium()
    data_dir: Path = tmp_path_factory.mktemp("browser")
    build_store_dir(data_dir, hostile=True)
    with running_server(data_dir) as base:
        yield base


@pytest.fixture(scope="module")
def clean_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over the fixture graph only (for the README picture)."""
    _require_chromium()
    data_dir: Path = tmp_path_factory.mktemp("browser-clean")
    build_store_dir(data_dir, hostile=False)
    with running_server(data_dir) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _require_chromium()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _record_dialogs(page: Page) -> list[str]:
    """Messages of every alert/confirm/prompt the page opens (each is dismissed)."""
    seen: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def _node_screen_position(page: Page, node_id: str) -> tuple[float, float]:
    """Page coordinates of a vis-network node's centre."""
    point = page.evaluate(
        """(id) => {
            const net = window.kgExplorer.network;
            const pos = net.getPositions([id])[id];
            const dom = net.canvasToDOM(pos);
            const box = document.querySelector('#network canvas').getBoundingClientRect();
            return [box.left + dom.x, box.top + dom.y];
        }""", node_id)
    return float(point[0]), float(point[1])


def _click_node(page: Page, node_id: str) -> None:
    """Click the node on the canvas until the page reports it expanded (the layout may still be settling)."""
    for _ in range(4):
        x, y = _node_screen_position(page, node_id)
        page.mouse.click(x, y)
        try:
            page.wait_for_selector(f"body[data-expanded='{node_id}']", timeout=4000)
            return
        except PlaywrightTimeout:
            page.wait_for_timeout(500)
    raise AssertionError(f"clicking node {node_id} never expanded it")


def test_search_open_expand_and_evidence(clean_url: str, browser: Browser) -> None:
    base_url = clean_url
    page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
    dialogs = _record_dialogs(page)
    page.goto(f"{base_url}/")
    page.fill("#q", "deng xiaoping")
    page.press("#q", "Enter")
    page.wait_for_selector("#results .result-link")
    first = page.locator("#results .result-link").first
    assert first.inner_text() == "邓小平"
    first.click()
    page.wait_for_url(f"**/entity/{DENG.replace(':', '%3A')}")
    page.wait_for_selector("body[data-network-ready='1']", timeout=15000)
    assert page.inner_text("#entity-name") == "邓小平"
    before = int(page.inner_text("#node-count"))
    assert not page.evaluate(f"window.kgExplorer.nodes.get('{VILLAGE}') !== null")

    _click_node(page, BIRTH_EVENT)
    after = int(page.inner_text("#node-count"))
    assert after > before
    assert page.evaluate(f"window.kgExplorer.nodes.get('{VILLAGE}').label") == "牌坊村"
    assert page.inner_text("#selected").startswith("打开 邓小平出生")

    marks = page.locator("#evidence mark")
    assert marks.count() >= 3
    assert "邓小平" in [marks.nth(i).inner_text() for i in range(marks.count())]
    assert marks.first.is_visible()
    assert page.evaluate("document.fonts.check(\"16px 'Noto Sans CJK SC'\")"), "CJK font missing: fonts-noto-cjk"

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.wait_for_timeout(1500)  # let the expanded network settle for the picture
    page.screenshot(path=str(artifacts / "explorer.png"), full_page=False)
    assert (artifacts / "explorer.png").stat().st_size > 20_000
    assert dialogs == []
    page.close()


@pytest.mark.parametrize("entity_id", [HOSTILE_IMG, HOSTILE_SCRIPT])
def test_hostile_names_never_run(base_url: str, browser: Browser, entity_id: str) -> None:
    page = browser.new_page()
    dialogs = _record_dialogs(page)
    page.goto(f"{base_url}/entity/{entity_id}")
    page.wait_for_selector("body[data-network-ready='1']", timeout=15000)
    page.goto(f"{base_url}/?q=script")
    page.goto(f"{base_url}/path?source={HOSTILE_SCRIPT}&target={DENG}")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("img").count() == 0
    page.close()
