"""The bot's one web server: /healthz, Slack's /slack/events (HTTP mode), the Q&A
presenter screen, moderators' page and speaker's view, the event's page, the audience's
Q&A (/q), the calendar feeds (/calendar.ics, /calendar/<token>.ics); one port to expose
behind a proxy. Given the live polls' service, the presenter screen, the moderators' page
and the audience's page show and run the session's polls too."""

from __future__ import annotations

import logging
import resource
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from bot.polls.service import Polls
from bot.qa.service import QA
from bot.settings.environment import LOOPBACK, Networks
from bot.web.audience import AudiencePages
from bot.web.event import EventPages
from bot.web.feeds import Calendars, Feeds
from bot.web.join import JoinCode
from bot.web.pages import add_assets
from bot.web.present import QAPages
from bot.web.speaker import SpeakerPages
from bot.web.stream import MAX_VIEWERS, SEATS, Seats

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
Routes = Callable[[web.Application], None]

# The limits, on purpose (aiohttp's defaults are for a general server):
# No request here carries more than Slack's few kilobytes or a moderator's form.
MAX_BODY = 1024 * 1024
# Slack sends about fifteen short headers; a browser a few more.
MAX_HEADERS = 64
MAX_LINE = 8190
# A connection that sends nothing (or stops half way through its headers) is closed after
# this long, so idle sockets cannot pile up; it is also the keep-alive between requests.
IDLE_TIMEOUT = 15.0
# After a refused body (413), how long the rest of it may still be read and dropped, so
# the client reads our answer before the connection closes; then it closes regardless.
LINGER = 1.0
BACKLOG = 1024


def raise_file_limit() -> int:
    """Let the process hold as many sockets as the system allows it, not the shell's 1,024.

    Each idle connection holds a descriptor until `IDLE_TIMEOUT`; with the soft limit of
    1,024 a thousand idle sockets would leave none to accept Slack's next request.
    Returns the limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-files limit from %d: %s", soft, exc)
    return soft


class WebServer:
    """One aiohttp server on one host and port (port 0 picks a free one).

    `routes` mount more paths on it, such as the Slack adapter's `/slack/events`. Its live
    streams share `seats` (at most `max_viewers` open at once); `proxies` are those whose
    X-Forwarded-For names the client (the audience page's per-address budget); `polls`
    puts the session's live polls on its screens and the audience's page.
    """

    def __init__(
        self,
        host: str,
        port: int,
        health: HealthCheck,
        qa: QA | None = None,
        routes: Sequence[Routes] = (),
        max_viewers: int = MAX_VIEWERS,
        proxies: Networks = LOOPBACK,
        polls: Polls | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._health = health
        self.seats = Seats(max_viewers)
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app[SEATS] = self.seats  # one cap for every live view mounted below
        self.app.router.add_get("/healthz", self._healthz)
        if qa is not None:
            QAPages(qa, self.seats, polls).add_routes(self.app)
            SpeakerPages(qa, self.seats).add_routes(self.app)
            JoinCode(qa).add_routes(self.app)
            # The event's page, the audience's Q&A (/q), and the site's shared files
            # (pages.ASSETS) they link; the Q&A pages above load live.js from there too.
            calendars = Calendars(qa)
            EventPages(qa, calendars).add_routes(self.app)
            # The calendar feeds: the whole programme's, each person's (/calendar).
            Feeds(qa, calendars).add_routes(self.app)
            AudiencePages(qa, seats=self.seats, proxies=proxies, polls=polls).add_routes(self.app)
            add_assets(self.app)
        for add in routes:
            add(self.app)
        self._runner = web.AppRunner(
            self.app,
            # Open streams (the pages' server-sent events) must not hold shutdown long.
            shutdown_timeout=0.5,
            access_log=None,
            keepalive_timeout=IDLE_TIMEOUT,
            lingering_time=LINGER,
            max_line_size=MAX_LINE,
            max_field_size=MAX_LINE,
            max_headers=MAX_HEADERS,
        )

    async def start(self) -> int:
        """Listen; returns the port actually bound."""
        raise_file_limit()
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=BACKLOG)
        await site.start()
        # With port 0 the system picked one; the runner knows which.
        self.port = int(self._runner.addresses[0][1])
        log.info("web server listening on http://%s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open requests."""
        await self._runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            body = await self._health()
        except Exception as exc:
            log.warning("health check failed: %s", exc)
            return web.json_response({"status": "error", "error": type(exc).__name__}, status=503)
        status = 200 if body.get("status") == "ok" else 503
        return web.json_response(body, status=status)
