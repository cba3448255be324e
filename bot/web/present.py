"""The presenter screen and the moderators' web page of a session's live Q&A.

`/present/<session>` is for the hall's projector: the highlighted question large (its
translations beneath it, smaller and marked), the top ten below, updated by server-sent
events as votes and moderation happen. While a poll of the session (or of the whole
event) is open, or for a few minutes after it closes, the poll takes the Q&A's place:
its question and options in English and Korean, each with its bar, count and share
(or "results when the poll closes" for a hidden one). It shows no author of an
anonymous question and nothing but question text and counts, so it needs no login.
`/moderate/<session>?token=...` does the moderators' actions from a laptop at the stage
(approve ... undo, and edit, translate, merge, auto-translation; polls made, opened,
closed, their result taken off the screen); its token is a keyed hash of the session (see
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
from bot.polls import rules
from bot.polls.service import NOW, Polls, snapshot
from bot.qa.service import QA, STEPS, public
from bot.storage.polls import Poll
from bot.web.polls import session_topics
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
# What the page does with polls: make one, open, close, take its result off the screen.
_POLL_ACTIONS = ("poll_create", "poll_open", "poll_close", "poll_take_off")
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


@dataclass(frozen=True)
class _PollAction:
    """A moderator's poll action as the page sent it, every field checked for its type
    (what the values mean, the poll rules and the service check)."""

    what: str
    poll: int = 0
    question: str = ""
    question_ko: str = ""
    options: tuple[str, ...] = ()
    options_ko: tuple[str, ...] = ()
    multiple: bool = False
    hidden: bool = False
    minutes: int | None = None
    opens: str = NOW


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    """A text field of a poll (its rules check what is in it), "" when absent."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{name} is a string.")
    if len(value) > _TEXT_MAX:
        raise _Bad(f"{name} is too long (at most {_TEXT_MAX} characters).")
    return value


def _lines(text: str) -> tuple[str, ...]:
    """Options typed one a line; lines with nothing on them are no option."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return tuple(line for line in lines if line.strip())


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise _Bad(f"Say {name}: true or false.")
    return value


def _minutes(value: Any) -> int | None:
    """None, or a whole number of minutes (the service says which are allowed)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdecimal() and len(value) <= 6:
        value = int(value)
    if type(value) is not int or not -(2**31) < value < 2**31:
        raise _Bad("minutes is a whole number.")
    return value


def _poll_action(what: str, body: dict[str, Any]) -> _PollAction:
    """A poll action's fields, or _Bad saying what is wrong with them."""
    if what != "poll_create":
        try:
            return _PollAction(what, poll=_number(body.get("poll")))
        except _Bad:
            raise _Bad("Give a poll's number.") from None
    opens = body.get("opens", NOW)
    if not isinstance(opens, str) or len(opens) > 20:
        raise _Bad("opens is now, start or later.")
    return _PollAction(
        what,
        question=_text(body, "question", required=True),
        question_ko=_text(body, "question_ko"),
        options=_lines(_text(body, "options", required=True)),
        options_ko=_lines(_text(body, "options_ko")),
        multiple=_flag(body, "multiple"),
        hidden=_flag(body, "hidden"),
        minutes=_minutes(body.get("minutes")),
        opens=opens,
    )


def _action(body: Any, t: Translator) -> _Action | _PollAction:
    """The action in a request's JSON, or _Bad saying what is wrong with it."""
    if not isinstance(body, dict):
        raise _Bad("Send JSON: action, id.")
    what = body.get("action")
    if what in _POLL_ACTIONS:
        return _poll_action(what, body)
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

    def __init__(self, qa: QA, seats: Seats | None = None, polls: Polls | None = None) -> None:
        self.qa = qa
        self.polls = polls
        seats = seats or Seats()
        # With polls, a session's views move with its polls too (bot.web.polls).
        follows = qa.hub if polls is None else session_topics(qa, polls)
        self.presenter = Broadcaster(follows, self._presenter_view, seats)
        self.moderators = Broadcaster(follows, self._moderators_view, seats)
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
        LIMIT query, whatever the session's size), each with its translations; and the
        polls on screen (`Polls.on_screen`: counts hidden as everyone sees them)."""
        state = await self.qa.snapshot(session_id)
        state["polls"] = await self.polls.on_screen(session_id) if self.polls else []
        return state_json(state)

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
        if self.polls is not None:
            state["polls"] = await self._moderators_polls(session_id)
            state["poll_limits"] = {
                "question": rules.QUESTION_MAX,
                "options": rules.MAX_OPTIONS,
                "label": rules.LABEL_MAX,
                "minutes": rules.MINUTES_MAX,
            }
        return state_json(state)

    async def _moderators_polls(self, session_id: str) -> list[dict[str, Any]]:
        """The session's polls and the event's, newest first, with their counts even
        while hidden (the page says so), how they open and close, and which is on the
        screen now."""
        assert self.polls is not None
        screen = {p["id"] for p in await self.polls.on_screen(session_id)}
        found = []
        for p in await self.polls.listing(session_id):
            shown = snapshot(p, reveal=True)
            shown["hidden"] = p.hidden and not p.shows_counts  # still hidden from everyone
            shown["open_on_start"] = p.open_on_start
            shown["minutes"] = p.minutes
            shown["on_screen"] = p.id in screen
            found.append(shown)
        return found

    async def _close(self, app: web.Application) -> None:
        await self.presenter.close()
        await self.moderators.close()

    async def _moderate_action(self, request: web.Request) -> web.Response:
        session_id = self._session(request)
        self._authorised(request, session_id)
        t = Translator(self.qa.agenda.event.default_language, self.qa.agenda.event.timezone)
        try:
            action = _action(await request.json(), t)
            if isinstance(action, _PollAction) and self.polls is None:
                raise _Bad("Unknown action.")
        except _Bad as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        except (ValueError, TypeError, AttributeError, LookupError, RecursionError):
            # RecursionError: JSON nested deeper than Python's parser goes.
            # LookupError: a charset Python does not know, named by the request itself.
            return web.json_response({"ok": False, "error": "Send JSON: action, id."}, status=400)
        try:
            done = await self._act(session_id, action)
        except UserError as exc:
            return web.json_response({"ok": False, "error": t(exc.key, **exc.params)}, status=409)
        return web.json_response({"ok": True, **done})

    async def _act(self, session_id: str, a: _Action | _PollAction) -> dict[str, Any]:
        """Do a checked action on a question of this session (no other's), or on a poll
        of this session or the whole event; what the page is told besides ok."""
        actor = UserRef("web", f"moderate:{session_id}", "moderator (web)")
        if isinstance(a, _PollAction):
            return await self._poll_act(session_id, actor, a)
        if a.what == "auto_translate":
            if self.qa.machine is None:
                raise UserError("qa.no_machine")
            await self.qa.set_auto_translate(self.qa.session(session_id), a.on)
            return {}
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
        return {}

    async def _poll_act(self, session_id: str, actor: UserRef, a: _PollAction) -> dict[str, Any]:
        """Make a poll for this session, or open, close or take off the screen one of
        this session's; or take the event's off this session's screen (refused whole:
        nothing stored when it cannot)."""
        assert self.polls is not None  # no poll action is taken without them
        if a.what == "poll_create":
            made = rules.draft(a.question, a.question_ko, a.options, a.options_ko)
            poll = await self.polls.create(
                actor,
                made,
                multiple=a.multiple,
                hidden=a.hidden,
                session=self.qa.session(session_id),
                opens=a.opens,
                minutes=a.minutes,
            )
            return {"poll": poll.id, "status": poll.status}
        poll = await self._poll_of(session_id, a.poll)
        if poll.session_id is None and a.what != "poll_take_off":
            # This page's token is one session's: opening or closing a poll of the whole
            # event would change every session's screen. Its result it may take off its
            # own screen (`take_off` is per session).
            raise UserError("poll.event_wide", id=poll.id)
        if a.what == "poll_open":
            poll = await self.polls.open(actor, poll)
        elif a.what == "poll_close":
            poll = await self.polls.close(actor, poll)
        else:
            await self.polls.take_off(poll, session_id)
        return {"poll": poll.id, "status": poll.status}

    async def _poll_of(self, session_id: str, poll_id: int) -> Poll:
        """A poll this page may run: its session's, or the whole event's."""
        assert self.polls is not None
        poll = await self.polls.get(poll_id)
        if poll.session_id not in (session_id, None):
            raise UserError("poll.unknown", ref=f"#{poll_id}")
        return poll


def state_json(state: dict[str, object]) -> bytes:
    """A live view's state as the bytes of one frame (JSON, UTF-8)."""
    return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
