"""Chromium for the browser tests, and only for them: Playwright is imported here."""

from tests.browser.chromium import browser_page

__all__ = ["browser_page"]
