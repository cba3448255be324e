"""The presenter screen and the moderators' web page of a session's live Q&A.

`/present/<session>` is for the hall's projector: the highlighted question large (its
translations beneath it, smaller and marked), the top ten below, updated by server-sent
events as votes and moderation happen. It shows no author of an anonymous question and
nothing but question text and counts, so it needs no login. `/moderate/<session>?token=...`
does the moderators' actions from a laptop at the stage (approve ... undo, and edit,
translate, merge, auto-translation); its token is a keyed hash of the session (see
`forum-bot qa screen` and /qa-screen). The speaker's tablet has its own page
(`bot.web.speaker`).

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
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.core.errors import UserError
from bot.core.model import UserRef
from bot.core.text import clean_typed
from bot.i18n import LANGUAGES, Translator
from bot.qa.service import QA, STEPS, public
from bot.web.stream import Broadcaster, Seats

log = logging.getLogger(__name__)

# The moderators' page shows this many waiting questions, the oldest first.
PENDING_SHOWN = 50
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Every screen's page (the presenter's, the moderators', the speaker's) is served so.
SCREEN_HEADERS = {
    "Content-Security-Policy": _CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_ACTIONS = (*STEPS, "undo", "block", "edit", "translate", "merge", "auto_translate")
# More than any question or translation the service takes (it says the limit): a body
# this long is no one's typing, and is refused before it is read further.
_TEXT_MAX = 10_000
# The screens' own files under /static/qa/.
_FILES = ("present.js", "moderate.js", "speaker.js", "qa.css")


def _static(name: str) -> str:
    return resources.files("bot.web").joinpath("static", name).read_text(encoding="utf-8")


def authorised(request: web.Request, qa: QA, purpose: str, where: str = "from /qa-screen") -> None:
    """A 403 (saying where the link is) unless the request carries the token of
    `purpose` ("moderate:<session>", "speaker:<session>") in its X-Moderator-Token header
    or ?token=."""
    given = request.headers.get("X-Moderator-Token") or request.query.get("token", "")
    wanted = qa.keys.token(purpose)
    # A stray byte in a header is a wrong token, not an error (compare needs ASCII).
    if not given.isascii() or not hmac.compare_digest(given.encode(), wanted.encode()):
        raise web.HTTPForbidden(text=f"This page needs the link {where}.\n")


class _Bad(Exception):
    """A moderator's action that is not one: a 400 and a short message."""


def _number(value: Any) -> int:
    """A question's number as JSON gives it (or "12", as a form would send it): a whole
    number a question can have (not 1e400, not 2**80, not true)."""
    if isinstance(value, str) and value.isdecimal() and len(value) <= 12:
        value = int(value)
    if type(value) is not int or not 0 < value < 2**63:
        raise _Bad("Give a question's number.")
    return value


def _typed(value: Any, t: Translator, *, optional: bool = False) -> str | None:
    """A text a moderator typed (line breaks fold to spaces), or None when `optional`
    and absent; no control characters, nothing longer than anyone types."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _Bad("The text is a string.")
    if len(value) > _TEXT_MAX:
        raise _Bad(f"The text is too long (at most {_TEXT_MAX} characters).")
    try:
        return clean_typed(value)
    except UserError as exc:
        raise _Bad(t(exc.key, **exc.params)) from None


@dataclass(frozen=True)
class _Action:
    """A moderator's action as the page sent it, every field checked."""

    what: str
    qid: int = 0
    reason: str | None = None
    text: str | None = None
    lang: str | None = None
    into: int = 0
    on: bool = False


def _action(body: Any, t: Translator) -> _Action:
    """The action in a request's JSON, or _Bad saying what is wrong with it."""
    if not isinstance(body, dict):
        raise _Bad("Send JSON: action, id.")
    what = body.get("action")
    if what not in _ACTIONS:
        raise _Bad("Unknown action.")
    if what == "auto_translate":
        on = body.get("on")
        if not isinstance(on, bool):
            raise _Bad("Say on: true or false.")
        return _Action(what, on=on)
    qid = _number(body.get("id", 0))
    reason = body.get("reason")
    if reason is not None and (
        not isinstance(reason, str)
        or len(reason) > _TEXT_MAX
        or any(unicodedata.category(c) == "Cc" for c in reason)
    ):
        raise _Bad("The reason is plain text.")
    if what == "edit":
        return _Action(what, qid, text=_typed(body.get("text"), t))
    if what == "translate":
        lang = body.get("lang")
        if lang is not None and lang not in LANGUAGES:
            raise _Bad(f"Unknown language: one of {', '.join(LANGUAGES)}.")
        return _Action(what, qid, text=_typed(body.get("text"), t, optional=True), lang=lang)
    if what == "merge":
        return _Action(what, qid, into=_number(body.get("into")))
    return _Action(what, qid, reason=reason or None)


class QAPages:
    """Routes of the Q&A pages over one QA service."""

    def __init__(self, qa: QA, seats: Seats | None = None) -> None:
        self.qa = qa
        seats = seats or Seats()
        self.presenter = Broadcaster(qa.hub, self._presenter_view, seats)
        self.moderators = Broadcaster(qa.hub, self._moderators_view, seats)
        self._files = {name: _static(name) for name in (*_FILES, "present.html", "moderate.html")}

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
            headers=SCREEN_HEADERS,
        )

    async def _asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _FILES:
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
        authorised(request, self.qa, f"moderate:{session_id}")

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
        LIMIT query, whatever the session's size), each with its translations."""
        return state_json(await self.qa.snapshot(session_id))

    async def _moderators_view(self, session_id: str) -> bytes:
        """The presenter's state and the oldest waiting questions (at most PENDING_SHOWN);
        the event's languages, whether a provider translates (and does so on approval
        here), and the speaker's page's link."""
        state = await self.qa.snapshot(session_id)
        pending = await self.qa.listing(session_id, "new", PENDING_SHOWN, pending=True)
        state["pending"] = [public(q) for q in reversed(pending)]
        state["languages"] = list(LANGUAGES)
        state["default_lang"] = self.qa.agenda.event.default_language
        state["machine"] = self.qa.machine is not None
        state["auto_translate"] = await self.qa.auto_translates(session_id)
        token = self.qa.keys.token(f"speaker:{session_id}")
        state["speaker"] = f"/speaker-view/{quote(session_id, safe='')}?token={token}"
        return state_json(state)

    async def _close(self, app: web.Application) -> None:
        await self.presenter.close()
        await self.moderators.close()

    async def _moderate_action(self, request: web.Request) -> web.Response:
        session_id = self._session(request)
        self._authorised(request, session_id)
        t = Translator(self.qa.agenda.event.default_language, self.qa.agenda.event.timezone)
        try:
            action = _action(await request.json(), t)
        except _Bad as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        except (ValueError, TypeError, AttributeError, LookupError, RecursionError):
            # RecursionError: JSON nested deeper than Python's parser goes.
            # LookupError: a charset Python does not know, named by the request itself.
            return web.json_response({"ok": False, "error": "Send JSON: action, id."}, status=400)
        try:
            await self._act(session_id, action)
        except UserError as exc:
            return web.json_response({"ok": False, "error": t(exc.key, **exc.params)}, status=409)
        return web.json_response({"ok": True})

    async def _act(self, session_id: str, a: _Action) -> None:
        """Do a checked action on a question of this session (no other's)."""
        actor = UserRef("web", f"moderate:{session_id}", "moderator (web)")
        if a.what == "auto_translate":
            if self.qa.machine is None:
                raise UserError("qa.no_machine")
            await self.qa.set_auto_translate(self.qa.session(session_id), a.on)
            return
        for qid in (a.qid, a.into) if a.what == "merge" else (a.qid,):
            if (await self.qa.question(qid)).session_id != session_id:
                raise UserError("qa.no_question", id=qid)
        if a.what == "block":
            await self.qa.block(actor, a.qid)
        elif a.what == "edit":
            assert a.text is not None
            await self.qa.edit(actor, a.qid, a.text)
        elif a.what == "translate":
            await self.qa.translate(actor, a.qid, a.lang, a.text)
        elif a.what == "merge":
            await self.qa.merge(actor, a.qid, a.into)
        else:
            await self.qa.moderate(actor, a.qid, a.what, a.reason)


def state_json(state: dict[str, object]) -> bytes:
    """A live view's state as the bytes of one frame (JSON, UTF-8)."""
    return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
