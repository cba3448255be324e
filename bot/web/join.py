"""The join code on the presenter screen: `/present/<session>/join` says the audience
page's address (whole, and short for people to type), `/present/<session>/join.svg` draws
it as a QR code. present.js shows both while the session takes questions.

The address is under FORUM_BOT_PUBLIC_URL (`QA.web_url`, set when the server starts);
without one (`QA.web_url` is then where the server listens, often 127.0.0.1), under the
address the screen itself was opened at, the nearest guess of where the hall's phones
reach this server.
"""

from __future__ import annotations

from aiohttp import web

from bot.qa.join import TooLong, join_url, leads_to_itself, qr_svg, short_url
from bot.qa.service import QA
from bot.web.device import is_https

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
    # Opened on its own, the drawing may load and run nothing.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


class JoinCode:
    """Routes of the presenter screen's join code over one QA service."""

    def __init__(self, qa: QA) -> None:
        self.qa = qa

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/present/{session}/join", self._address)
        app.router.add_get("/present/{session}/join.svg", self._drawing)

    def _url(self, request: web.Request) -> str:
        session_id = request.match_info["session"]
        if self.qa.agenda.session(session_id) is None:
            raise web.HTTPNotFound(text="There is no such session.\n")
        base = self.qa.web_url
        # Behind the TLS proxy the request itself is http: the proxy says it was https.
        scheme = "https" if is_https(request) else "http"
        opened_at = f"{scheme}://{request.host}"
        # Without FORUM_BOT_PUBLIC_URL the bot knows only where it listens (127.0.0.1):
        # the address the screen was opened at is then the better guess.
        if not base or (leads_to_itself(base) and not leads_to_itself(opened_at)):
            base = opened_at
        return join_url(base, session_id)

    async def _address(self, request: web.Request) -> web.Response:
        url = self._url(request)
        return web.json_response({"url": url, "short": short_url(url)}, headers=_HEADERS)

    async def _drawing(self, request: web.Request) -> web.Response:
        try:
            drawing = qr_svg(self._url(request))
        except TooLong:
            # Only a forged Host header of hundreds of characters gets here.
            raise web.HTTPBadRequest(text="This address is too long for a QR code.\n") from None
        return web.Response(body=drawing, content_type="image/svg+xml", headers=_HEADERS)
