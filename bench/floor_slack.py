"""The Slack floor for bench/slack_latency.py: the least a Bolt app in HTTP mode can do.

A plain `slack_bolt.async_app.AsyncApp` with one `@app.command(...)` listener per command
of the bench's mix (given on the command line, as Slack names them: /agenda, /find, /help,
/language, /next, /now, /session, /speaker, /timezone), each answering `await ack(TEXT)`,
served by Bolt's own aiohttp app (`app.web_app(path="/slack/events")`) on aiohttp's
`AppRunner`/`TCPSite` at 127.0.0.1, on a free port. It imports nothing of forum-bot's.

    python bench/floor_slack.py BOT_TOKEN SIGNING_SECRET API_BASE /COMMAND...

Why it is the strictest fair baseline: it runs Bolt the way forum-bot does, with
`process_before_response=True` (the ack goes out when the listener returns, with no task
per request and no polling for ack()), so what forum-bot spends beyond it is its own; and
it keeps Bolt's request verification on (an HMAC of every body), because forum-bot checks
every signature too (with slack_sdk's verifier, before Bolt; its Bolt check is off), so
the floor does not skip work forum-bot cannot. Like forum-bot it runs as a process of its
own on uvloop (bot/app.py `run_loop`), moves its start-up objects out of the collector's
sight once serving (`gc.freeze()`, as `settle_memory` does), logs no access lines, and
listens with the same backlog. Its Web API client is pointed at the fake (Bolt calls
auth.test once, at the first request).

It logs `web server listening on http://127.0.0.1:PORT` to stderr, as forum-bot does, so
the bench reads both ports the same way; SIGTERM stops it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from typing import Any

import uvloop
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

TEXT = "fixed text"
BACKLOG = 1024  # as forum-bot's web server (bot/web/server.py)
log = logging.getLogger("floor")


def build(token: str, secret: str, api_base: str, commands: list[str]) -> AsyncApp:
    """The app: a listener per command, each acking a fixed text."""
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_base),
        signing_secret=secret,
        process_before_response=True,
    )

    async def answer(ack: Any) -> None:
        await ack(TEXT)

    for command in commands:
        app.command(command)(answer)
    return app


async def main(token: str, secret: str, api_base: str, commands: list[str]) -> None:
    """Serve until SIGTERM."""
    app = build(token, secret, api_base, commands)
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=BACKLOG)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    gc.collect()
    gc.freeze()
    log.info("web server listening on http://127.0.0.1:%d", runner.addresses[0][1])
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    logging.basicConfig(
        stream=sys.stderr, level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("asyncio", "aiohttp.access", "slack_bolt"):  # as forum-bot's logging has them
        logging.getLogger(noisy).setLevel(logging.WARNING)
    token, secret, api_base, *commands = sys.argv[1:]
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(token, secret, api_base, commands))
