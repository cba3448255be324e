"""Real headless Chromium for tests: Debian's chromium driven by Playwright's async API.

`browser_page` yields a fresh page; with no chromium on the machine the test fails and
says how to install it. `new_phone` opens a phone's context (a Korean phone's screen and
touch) in that page's browser. Only the modules with browser tests load this file (their
`pytest_plugins`), so the rest of the suite runs without Playwright. `save_screenshot`
keeps a PNG in test-artifacts/ at the top of the repository, which CI keeps.
See docs/testing.md: never `playwright install`, no extra launch arguments.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page, ViewportSize, async_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artifacts"
# A phone's screen in CSS pixels (an iPhone 12 to 15's).
PHONE: ViewportSize = {"width": 390, "height": 844}
INSTALL_HINT = (
    "sudo apt-get install --no-install-recommends chromium fonts-noto-cjk "
    "(or run README.md's test command, which installs them)"
)


def chromium_path() -> str:
    """Debian's chromium, or fail the test with how to install it."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(f"browser tests need Debian's chromium, not found at {path}: {INSTALL_HINT}")
    return path


@pytest_asyncio.fixture
async def browser_page() -> AsyncIterator[Page]:
    """A fresh page in headless chromium; the browser closes after the test."""
    executable = chromium_path()
    async with async_playwright() as playwright:
        # Playwright already passes headless, no sandbox, a fresh profile: no arguments.
        browser = await playwright.chromium.launch(executable_path=executable)
        try:
            context = await browser.new_context()
            yield await context.new_page()
            await context.close()
        finally:
            await browser.close()


async def new_phone(page: Page, *, javascript: bool = True, **options: Any) -> BrowserContext:
    """A new context in `page`'s browser as a Korean phone: its screen at twice the pixels,
    touch, ko-KR; `options` are more of Playwright's context options (timezone_id=...)."""
    browser = page.context.browser
    assert browser is not None
    return await browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ko-KR",
        java_script_enabled=javascript,
        **options,
    )


async def save_screenshot(page: Page, name: str) -> Path:
    """Save the page as test-artifacts/<name>.png (overwritten each run); returns the path."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "screenshot"
    path = ARTEFACTS / (stem if stem.endswith(".png") else f"{stem}.png")
    ARTEFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=path, full_page=True)
    return path
