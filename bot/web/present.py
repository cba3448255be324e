"""The presenter screen and the moderators' web page of a session's live Q&A.

`/present/<session>` is for the hall's projector: the highlighted question large, the top
ten below, updated by server-sent events as votes and moderation happen. It shows no
author of an anonymous question and nothing but question text and counts, so it needs no
login. `/moderate/<session>?token=...` does the moderators' actions from a laptop at the
stage; its token is a keyed hash of the session (see `forum-bot qa screen` and /qa-screen).

Pages are static files plus JSON: the browser puts every question in with `textContent`,
so nothing a participant typed can become markup, and the Content-Security-Policy allows
only this server's own scripts and style. Both pages follow the stream (or poll) with the
site's shared `live.js`, served from /static/site/ (`pages.ASSETS`).
"""

from __future__ import annotations

import hmac
import json
import logging
import unicodedata
from importlib import resources

from aiohttp import web

from bot.core.errors import UserError
from bot.core.model import UserRef
from bot.i18n import Translator
from bot.qa.service import QA, STEPS, public
from bot.web.stream import Broadcaster, Seats

log = logging.getLogger(__name__)

# The moderators' page shows this many waiting questions, the oldest first.
PENDING_SHOWN = 50
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ACTIONS = (*STEPS, "undo", "block")


def _static(name: str) -> str:
    return resources.files("bot.web").joinpath("static", name).read_text(encoding="utf-8")


class QAPages:
    """Routes of the Q&A pages over one QA service."""

    def __init__(self, qa: QA, seats: Seats | None = None) -> None:
        self.qa = qa
        seats = seats or Seats()
        self.presenter = Broadcaster(qa.hub, self._presenter_view, seats)
        self.moderators = Broadcaster(qa.hub, self._moderators_view, seats)
        self._files = {
            name: _static(name)
            for name in ("present.html", "present.js", "moderate.html", "moderate.js", "qa.css")
        }

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/present/{session}", self._present)
        r.add_get("/present/{session}/events", self._present_events)
        r.add_get("/present/{session}/state", self._present_state)
        r.add_get("/moderate/{session}", self._moderate)
        r.add_get("/moderate/{session}/events", self._moderate_events)
        r.add_get("/moderate/{session}/state", self._moderate_state)
        r.add_post("/moderate/{session}/action", self._moderate_action)
        r.add_get("/static/qa/{name}", self._asset)
        app.on_cleanup.append(self._close)

    # -- pages ---------------------------------------------------------------------------

    def _page(self, name: str) -> web.Response:
        return web.Response(
            text=self._files[name],
            content_type="text/html",
            charset="utf-8",
            headers={
                "Content-Security-Policy": _CSP,
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    async def _asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ("present.js", "moderate.js", "qa.css"):
            raise web.HTTPNotFound()
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return web.Response(
            text=self._files[name],
            content_type=kind,
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    def _session(self, request: web.Request) -> str:
        session_id = request.match_info["session"]
        if self.qa.agenda.session(session_id) is None:
            raise web.HTTPNotFound(text="There is no such session.\n")
        return session_id

    async def _present(self, request: web.Request) -> web.Response:
        self._session(request)
        return self._page("present.html")

    def _authorised(self, request: web.Request, session_id: str) -> None:
        given = request.headers.get("X-Moderator-Token") or request.query.get("token", "")
        wanted = self.qa.keys.token(f"moderate:{session_id}")
        # A stray byte in a header is a wrong token, not an error (compare needs ASCII).
        if not given.isascii() or not hmac.compare_digest(given.encode(), wanted.encode()):
            raise web.HTTPForbidden(text="This page needs the link from /qa-screen.\n")

    async def _moderate(self, request: web.Request) -> web.Response:
        session_id = self._session(request)
        self._authorised(request, session_id)
        return self._page("moderate.html")

    # -- live data -------------------------------------------------------------------------
    # Each view's update is built once and the same bytes go to every viewer
    # (bot.web.stream); past the server's cap on streams, pages poll /state instead.

    async def _present_events(self, request: web.Request) -> web.StreamResponse:
        session_id = self._session(request)
        return await self.presenter.serve(request, session_id, f"/present/{session_id}/state")

    async def _present_state(self, request: web.Request) -> web.Response:
        return await self.presenter.state(self._session(request))

    async def _moderate_events(self, request: web.Request) -> web.StreamResponse:
        session_id = self._session(request)
        self._authorised(request, session_id)
        return await self.moderators.serve(request, session_id, f"/moderate/{session_id}/state")

    async def _moderate_state(self, request: web.Request) -> web.Response:
        session_id = self._session(request)
        self._authorised(request, session_id)
        return await self.moderators.state(session_id)

    async def _presenter_view(self, session_id: str) -> bytes:
        """The presenter screen's state: the highlighted question and the top ten (a
        LIMIT query, whatever the session's size)."""
        return _json(await self.qa.snapshot(session_id))

    async def _moderators_view(self, session_id: str) -> bytes:
        """The presenter's state and the oldest waiting questions (at most PENDING_SHOWN)."""
        state = await self.qa.snapshot(session_id)
        pending = await self.qa.listing(session_id, "new", PENDING_SHOWN, pending=True)
        state["pending"] = [public(q) for q in reversed(pending)]
        return _json(state)

    async def _close(self, app: web.Application) -> None:
        await self.presenter.close()
        await self.moderators.close()

    async def _moderate_action(self, request: web.Request) -> web.Response:
        session_id = self._session(request)
        self._authorised(request, session_id)
        try:
            body = await request.json()
            what = str(body.get("action", ""))
            qid = body.get("id", 0)
            if isinstance(qid, str) and qid.isdecimal() and len(qid) <= 12:
                qid = int(qid)  # "12" as a form would send it
            reason = body.get("reason")
        except (ValueError, TypeError, AttributeError, LookupError, RecursionError):
            # RecursionError: JSON nested deeper than Python's parser goes.
            # LookupError: a charset Python does not know, named by the request itself.
            return web.json_response({"ok": False, "error": "Send JSON: action, id."}, status=400)
        # A question number is a whole number a question can have (not 1e400, not 2**80).
        if what not in _ACTIONS or type(qid) is not int or not 0 < qid < 2**63:
            return web.json_response({"ok": False, "error": "Unknown action."}, status=400)
        if reason is not None and (
            not isinstance(reason, str) or any(unicodedata.category(c) == "Cc" for c in reason)
        ):
            return web.json_response(
                {"ok": False, "error": "The reason is plain text."}, status=400
            )
        actor = UserRef("web", f"moderate:{session_id}", "moderator (web)")
        t = Translator(self.qa.agenda.event.default_language, self.qa.agenda.event.timezone)
        try:
            q = await self.qa.question(qid)
            if q.session_id != session_id:
                raise UserError("qa.no_question", id=qid)
            if what == "block":
                await self.qa.block(actor, qid)
            else:
                await self.qa.moderate(actor, qid, what, reason or None)
        except UserError as exc:
            return web.json_response({"ok": False, "error": t(exc.key, **exc.params)}, status=409)
        return web.json_response({"ok": True})


def _json(state: dict[str, object]) -> bytes:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
