"""The event's page on a phone in Chromium: Korean from the browser, times in the phone's
own zone once its script has told the server, the event's zone with scripts off, and
nothing wider than the screen."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.chromium import PHONE, new_phone, save_screenshot

# site (tests/conftest.py): the bot's web server's base URL, at 13:10 (the dialogue is on).


async def _phone(page: Page, *, scripts: bool = True) -> Page:
    """A Korean phone in Berlin (a visitor whose phone keeps its home zone)."""
    context = await new_phone(page, javascript=scripts, timezone_id="Europe/Berlin")
    return await context.new_page()


async def test_a_phone_reads_the_programme_in_korean_in_its_own_zone(
    site: str, browser_page: Page
) -> None:
    phone = await _phone(browser_page)
    await phone.goto(f"{site}/")
    # The script set the zone's cookie and reloaded once: times are Berlin's now.
    zone = phone.locator("#zone")
    await expect(zone).to_have_text("시간은 내 시간대(CET (UTC+1)) 기준입니다.", timeout=5000)
    cookies = {c["name"]: c["value"] for c in await phone.context.cookies()}
    assert cookies["tz"] == "Europe/Berlin"
    await expect(phone.locator("html")).to_have_attribute("lang", "ko")
    now = phone.locator("section[aria-labelledby=now-title]")
    await expect(now).to_contain_text("국제 포럼: 글로벌 석학과의 대화")
    await expect(now).to_contain_text("05:00 – 07:00")  # 13:00 in Seoul
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    await save_screenshot(phone, "event-page-phone-ko")

    # A tap on day 2, then on a session: its page, in the same language and zone.
    await phone.get_by_role("link", name="2일차", exact=True).tap()
    await expect(phone.get_by_role("link", name="2일차", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    await phone.locator("a[href='/session/tech-partnering']").first.tap()
    await expect(phone.locator("h1")).not_to_have_text("")
    await expect(phone.locator(".facts")).to_contain_text("CET")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await save_screenshot(phone, "event-session-phone-ko")
    await phone.context.close()


async def test_without_scripts_times_stay_in_the_event_s_zone(
    site: str, browser_page: Page
) -> None:
    phone = await _phone(browser_page, scripts=False)
    await phone.goto(f"{site}/?lang=en")
    await expect(phone.locator("#zone")).to_have_text("Times are in the event's zone, KST (UTC+9).")
    await expect(phone.locator("section[aria-labelledby=now-title]")).to_contain_text(
        "13:00 – 15:00"
    )
    assert not any(c["name"] == "tz" for c in await phone.context.cookies())
    await save_screenshot(phone, "event-page-phone-en-no-script")
    await phone.context.close()
