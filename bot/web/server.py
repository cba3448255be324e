"""The bot's web server: /healthz, and the Q&A presenter screen and moderators' page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.qa import QA
from bot.web.present import QAPages

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


class WebServer:
    """An aiohttp server on one host and port (port 0 picks a free one)."""

    def __init__(self, host: str, port: int, health: HealthCheck, qa: QA | None = None) -> None:
        self.host = host
        self.port = port
        self._health = health
        self.app = web.Application(client_max_size=64 * 1024)
        self.app.router.add_get("/healthz", self._healthz)
        if qa is not None:
            QAPages(qa).add_routes(self.app)
        # Open streams (the pages' server-sent events) must not hold shutdown for a minute.
        self._runner = web.AppRunner(self.app, shutdown_timeout=0.5, access_log=None)

    async def start(self) -> int:
        """Listen; returns the port actually bound."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
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
