"""The links `forum-bot qa screen` prints open the running bot's live pages."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.chromium import save_screenshot
from tests.integration.test_operations import ROOT, cli, env, read_until


async def test_qa_screen_from_the_shell_gives_the_running_bots_real_port(
    tmp_path: Path, browser_page: Page
) -> None:
    db = tmp_path / "web.sqlite"
    port_zero = {"FORUM_BOT_WEB_PORT": "0", "FORUM_BOT_SECRET": "screen-secret"}
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env(db) | port_zero | {"FORUM_BOT_LOG_LEVEL": "INFO"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert bot.stdin is not None and bot.stderr is not None
    try:
        logged = await read_until(bot.stderr, "ready")
        port = int(logged.split("web server listening on http://127.0.0.1:")[1].split()[0])
        assert port != 0
        done = await asyncio.to_thread(cli, db, "qa", "screen", "dialogue", env_extra=port_zero)
        assert done.returncode == 0, done.stderr
        links = {
            name: link.strip()
            for name, link in (line.split(":  ", 1) for line in done.stdout.strip().splitlines())
        }
        screen, moderate = links["presenter screen"], links["moderators' page"]
        assert screen == f"http://127.0.0.1:{port}/present/dialogue", done.stdout
        assert moderate.startswith(f"http://127.0.0.1:{port}/moderate/dialogue?token=")
        # The links as printed open the live pages in a real browser.
        await browser_page.set_viewport_size({"width": 1280, "height": 720})
        await browser_page.goto(screen)
        await expect(browser_page.locator("body")).to_have_attribute(
            "data-state", "live", timeout=5000
        )
        await save_screenshot(browser_page, "presenter-screen-from-shell-link")
        laptop = await browser_page.context.new_page()
        answer = await laptop.goto(moderate)
        assert answer is not None and answer.status == 200
        await expect(laptop.locator("#pending")).to_be_attached(timeout=5000)
        await save_screenshot(laptop, "moderator-page-from-shell-link")
        speaker = links["speaker view"]
        assert speaker.startswith(f"http://127.0.0.1:{port}/speaker-view/dialogue?token=")
        tablet = await browser_page.context.new_page()
        answer = await tablet.goto(speaker)
        assert answer is not None and answer.status == 200
        await expect(tablet.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    finally:
        bot.stdin.write(b"/quit\n")
        await bot.stdin.drain()
        await asyncio.wait_for(bot.wait(), 30)
    assert bot.returncode == 0
    # No bot running: with port 0 there is no port to give yet, and the shell says so.
    alone = await asyncio.to_thread(cli, db, "qa", "screen", "dialogue", env_extra=port_zero)
    assert alone.returncode == 1 and "no forum-bot is running" in alone.stderr, alone.stderr
    assert ":0/" not in alone.stdout + alone.stderr
