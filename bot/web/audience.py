"""The audience's Q&A page: a phone in the hall asks, up-votes and follows the questions
of a session, with no account, in the same pool as Discord, Slack and the terminal.

`/q` goes to the session taking questions now (or lists those with Q&A); `/q/<session>`
is the page: approved questions (top or new, a page at a time), an ask form, a vote or
withdraw button per question and the device's own questions with their status. Every
form is a plain POST answered with a redirect back (303), so the page works with
JavaScript off; `audience.js` turns them into fetch calls and follows the live stream
(`/q/<session>/events`, or `/q/<session>/state` polled when streams are full).

A person is their device (`bot.web.device`): `UserRef("web", <device id>, <name>)`, so
the Q&A's own rules apply unchanged (length, pace, duplicates as votes, blocks, keyed
hashes for anonymous askers). Every state-changing request needs the device's CSRF token
and fits the budget of its network address.

While a poll of the session (or of the whole event) is open, the page shows it above
the questions with a button per option (`/q/<session>/poll`, a form like the vote's):
the device is one voter, its choices marked; a press of another option changes a single
choice, a press of a chosen one takes back a multiple choice. A poll just closed shows
its results for a few minutes (`Polls.on_screen`); a hidden one shows no count before.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.core.errors import UserError
from bot.core.model import UserRef
from bot.core.text import clean_typed, clip
from bot.i18n import Translator
from bot.i18n.messages import MESSAGES, Plural
from bot.polls.cards import vote_said
from bot.polls.service import Polls
from bot.programme import Session
from bot.qa.service import QA, public
from bot.settings.environment import LOOPBACK, Networks
from bot.storage.qa import PENDING, STATUSES, Question
from bot.web.device import (
    COOKIE_PATH,
    AddressBudget,
    Device,
    Devices,
    client_address,
    is_https,
)
from bot.web.pages import (
    HEADERS,
    LANGUAGE_NAMES,
    in_language,
    reader,
    remember_language,
    render,
)
from bot.web.polls import session_topics
from bot.web.stream import Broadcaster, Seats

log = logging.getLogger(__name__)

PER_PAGE = 20
ORDERS = ("top", "new")
# An ask form holds at most 2,000 characters of text and a name: 8 KB is plenty even
# percent-encoded Korean (9 bytes a character would be 500 characters in 4.5 KB).
ASK_MAX_BYTES = 8 * 1024
VOTE_MAX_BYTES = 1024
NAME_MAX = 60
# A whole hall behind one venue address: 300 phones opening the page (each new device
# costs one, so a script cannot mint voters without end), asking and voting twice in the
# same minute are not throttled; a script sending twenty a second for a minute is.
PER_ADDRESS_PER_MINUTE = 1200
POLL_SECONDS = 5
FLASH = "flash"
_FLASH_MAX = 3000  # characters of cookie value; a draft that does not fit is dropped
# A form's fields, each one string (missing ones empty).
Form = dict[str, str]


class Refused(Exception):
    """A request turned away before it changed anything: an HTTP status and a message."""

    def __init__(self, status: int, key: str, **params: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params


def _public(q: Question) -> dict[str, Any]:
    """A question as everyone sees it here: `public`'s (never who asked an anonymous
    one) with its language and translations (each reader's page picks its language
    first), without the moderation fields."""
    shown = public(q)
    return {key: shown[key] for key in ("id", "text", "votes", "author", "lang", "translations")}


def _own(q: Question) -> dict[str, Any]:
    """One of the device's own questions, with what became of it: its status, a
    rejection's reason, whether a moderator edited it, the question it was merged into."""
    return {
        "id": q.id,
        "text": q.body,
        "votes": q.votes,
        "status": q.status,
        "reason": q.reason,
        "anonymous": q.anonymous,
        "edited": q.edited,
        "merged_into": q.merged_into,
    }


def _forms(key: str, lang: str) -> dict[str, str]:
    """A message's plural forms in `lang` (CLDR category -> text), for a script."""
    found = MESSAGES[key][lang]
    return found.forms if isinstance(found, Plural) else {"other": found}


def _strings(t: Translator) -> dict[str, Any]:
    """The words audience.js needs to draw a list in the reader's language."""
    forms = _forms("qa.votes", t.lang)
    return {
        "lang": t.lang,
        "votes": forms,
        "anonymous": t("qa.anonymous"),
        "vote": t("qa.button.vote"),
        "unvote": t("qa.button.unvote"),
        "empty": t("web.q.empty"),
        "is_open": t("web.q.is_open"),
        "is_closed": t("web.q.is_closed"),
        "mine_empty": t("qa.mine_empty"),
        "polling": t("web.q.polling"),
        "reason": MESSAGES["qa.rejected_reason"][t.lang],
        "status": {s: t(f"qa.status.{s}") for s in STATUSES},
        "error": t("error.internal"),
        "original": t("web.q.original"),
        "translated": t("web.q.translated"),
        "machine": t("web.q.machine_translated"),
        "edited": t("web.q.edited"),
        "merged_into": MESSAGES["web.q.merged_into"][t.lang],
        "poll": {
            "heading": t("web.poll.heading"),
            "results": t("web.poll.results_heading"),
            "votes": _forms("poll.votes", t.lang),
            "voters": _forms("poll.voters", t.lang),
            "hidden": t("poll.hidden"),
            "single": t("poll.single_hint"),
            "multiple": t("poll.multiple_hint"),
            "multiple_label": t("web.poll.multiple"),
            "closed": t("poll.closed_line"),
            "chosen": t("web.poll.chosen"),
        },
    }


def _bilingual(text: dict[str, str], lang: str) -> dict[str, str | None]:
    """A poll's text (`{"en": ..., "ko": ...}`) for a reader of `lang`: theirs first
    when it has it, the other language beneath when it says something else."""
    en, ko = text["en"], text.get("ko") or ""
    first, other = (("ko", ko), ("en", en)) if lang == "ko" and ko else (("en", en), ("ko", ko))
    return {
        "text": first[1],
        "lang": first[0],
        "other": other[1] if other[1] and other[1] != first[1] else None,
        "other_lang": other[0],
    }


def poll_shown(state: dict[str, Any], t: Translator, mine: tuple[int, ...]) -> dict[str, Any]:
    """A poll as the page draws it without a script (`Polls.on_screen`'s state, in the
    reader's language): each option with its count and share of the voters unless the
    counts are hidden, and the device's choices."""
    voters = state["voters"]
    options = []
    for o in state["options"]:
        votes = o["votes"]
        options.append(
            {
                **_bilingual(o["label"], t.lang),
                "position": o["position"],
                "votes": votes,
                "votes_text": None if votes is None else t("poll.votes", votes=votes),
                "percent": round(votes * 100 / voters) if votes is not None and voters else 0,
                "chosen": o["position"] in mine,
            }
        )
    return {
        "id": state["id"],
        "open": state["open"],
        "hidden": state["hidden"],
        "multiple": state["multiple"],
        "question": _bilingual(state["question"], t.lang),
        "options": options,
        "voters": voters,
        "voters_text": t("poll.voters", count=voters),
    }


class AudiencePages:
    """Routes of the audience's pages over one QA service."""

    def __init__(
        self,
        qa: QA,
        *,
        per_minute: int = PER_ADDRESS_PER_MINUTE,
        now: Callable[[], float] = time.monotonic,
        seats: Seats | None = None,
        poll_seconds: float = POLL_SECONDS,
        proxies: Networks = LOOPBACK,
        polls: Polls | None = None,
    ) -> None:
        self.qa = qa
        self.polls = polls
        self.poll_seconds = poll_seconds
        self.proxies = proxies  # whose X-Forwarded-For names the client
        self.devices = Devices(qa.keys)
        self.budget = AddressBudget(per_minute, now)
        # The live list of each order, built once per change for every reader; its
        # streams count against the server's one cap (past it, pages poll /state).
        seats = seats or Seats()
        follows = qa.hub if polls is None else session_topics(qa, polls)
        self.streams = {
            order: Broadcaster(follows, partial(self._frame, order=order), seats)
            for order in ("top", "new")
        }

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/q", self._index)
        r.add_get("/q/{session}", self._page)
        r.add_get("/q/{session}/state", self._state)
        r.add_get("/q/{session}/events", self._events)
        r.add_post("/q/{session}/ask", self._ask)
        r.add_post("/q/{session}/vote", self._vote)
        r.add_post("/q/{session}/unvote", self._unvote)
        r.add_post("/q/{session}/poll", self._poll_vote)
        app.on_cleanup.append(self._close)

    # -- reading ---------------------------------------------------------------------------

    def _reader(self, request: web.Request) -> Translator:
        event = self.qa.agenda.event
        return reader(request, event.default_language, event.timezone)

    def _session(self, request: web.Request) -> Session:
        found = self.qa.agenda.session(request.match_info["session"])
        if found is None:
            raise Refused(404, "qa.no_session", query=request.match_info["session"][:60])
        return found

    async def _public(self, session_id: str, order: str, page: int = 1) -> dict[str, Any]:
        """A page of the session's list as everyone sees it; one read per change, shared
        by every reader of the same page."""

        async def build() -> dict[str, Any]:
            current = await self.qa.highlighted(session_id)
            shown = current.id if current else None
            at, total, found = await self.qa.page(
                session_id, order, page, PER_PAGE, leave_out=shown
            )
            return {
                "session": session_id,
                "order": order,
                "page": at,
                "pages": max(1, -(-total // PER_PAGE)),
                "total": total,
                "highlight": _public(current) if current else None,
                "questions": [_public(q) for q in found],
                "counts": await self.qa.counts(session_id),
            }

        shared: dict[str, Any] = await self.qa.shared(
            ("audience", session_id, order, page), session_id, build
        )
        return {**shared, "open": (await self.qa.status(self.qa.session(session_id))).open}

    async def _polls(self, session_id: str) -> list[dict[str, Any]]:
        """The polls on show (open, or just closed), as everyone sees them."""
        return await self.polls.on_screen(session_id) if self.polls is not None else []

    async def _frame(self, session_id: str, order: str) -> bytes:
        """The live list's state (the first page, as everyone sees it) and the polls on
        show, encoded once for every reader by the broadcaster."""
        state = {**await self._public(session_id, order), "polls": await self._polls(session_id)}
        return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()

    async def _personal(
        self, device: Device, session_id: str, ids: list[int], poll_ids: list[int]
    ) -> dict[str, Any]:
        """What only this device sees: which questions it up-voted, its own, and the
        options it chose in the polls on show ({poll: [option, ...]})."""
        if device.new:
            return {"voted": [], "mine": [], "chosen": {}}
        user = UserRef("web", device.id)
        voted = await self.qa.voted(user, ids)
        mine = [q for q in await self.qa.mine(user) if q.session_id == session_id]
        chosen = await self.polls.chosen(user, poll_ids) if self.polls and poll_ids else {}
        return {
            "voted": sorted(voted),
            "mine": [_own(q) for q in mine],
            "chosen": {str(pid): list(options) for pid, options in chosen.items()},
        }

    async def _full(
        self, device: Device, session_id: str, order: str, page: int = 1
    ) -> dict[str, Any]:
        public = await self._public(session_id, order, page)
        polls = await self._polls(session_id)
        ids = [q["id"] for q in public["questions"]]
        if public["highlight"]:
            ids.append(public["highlight"]["id"])
        personal = await self._personal(device, session_id, ids, [p["id"] for p in polls])
        return {**public, "polls": polls, **personal}

    async def _index(self, request: web.Request) -> web.StreamResponse:
        t = self._reader(request)
        open_now = await self.qa.open_sessions()
        suffix = f"?lang={t.lang}" if "lang" in request.query else ""
        if len(open_now) == 1:
            raise web.HTTPSeeOther(f"/q/{open_now[0].id}{suffix}")
        open_ids = {s.id for s in open_now}
        sessions = [
            {
                "id": s.id,
                "title": t.pick(s.title),
                "when": t.date_time(s.start),
                "open": s.id in open_ids,
            }
            for s in self.qa.agenda.sessions
            if s.qa or s.id in open_ids
        ]
        response = render("audience_index.html", **self._base(t), sessions=sessions)
        remember_language(request, response)
        return response

    def _base(self, t: Translator) -> dict[str, Any]:
        return {
            "lang": t.lang,
            "t": t,
            "reading": partial(in_language, lang=t.lang),
            "event_name": t.pick(self.qa.agenda.event.name),
            "languages": LANGUAGE_NAMES,
        }

    @staticmethod
    def _order(value: str | None) -> str:
        return value if value in ORDERS else "top"

    @staticmethod
    def _page_number(value: str | None) -> int:
        try:
            return min(max(int(value or "1"), 1), 10_000)
        except ValueError:
            return 1

    async def _page(self, request: web.Request) -> web.StreamResponse:
        t = self._reader(request)
        try:
            s = self._session(request)
        except Refused as refused:
            return self._refusal_page(t, refused)
        device = self.devices.identify(request)
        if device.new and not self.budget.take(client_address(request, self.proxies)):
            # Each new device is one more voter: making them costs from the address's
            # budget, as a vote does, so a script cannot mint voters without end.
            return self._refusal_page(t, Refused(429, "web.q.too_many"))
        order = self._order(request.query.get("order"))
        state = await self._full(device, s.id, order, self._page_number(request.query.get("page")))
        status = await self.qa.status(s)
        flash = self._take_flash(request, device)
        response = render(
            "audience.html",
            **self._base(t),
            session=s,
            title=t.pick(s.title),
            is_open=status.open,
            moderated=status.moderated,
            state=state,
            voted=set(state["voted"]),
            polls=[
                poll_shown(p, t, tuple(state["chosen"].get(str(p["id"]), ())))
                for p in state["polls"]
            ],
            order=order,
            csrf=self.devices.csrf(device),
            flash=flash,
            draft=flash["draft"] if flash else NO_DRAFT,
            strings=_strings(t),
            max_length=self.qa.config.max_length,
            name_max=NAME_MAX,
            poll_seconds=self.poll_seconds,
        )
        self.devices.remember(request, response, device)
        remember_language(request, response)
        if FLASH in request.cookies:
            response.del_cookie(FLASH, path=COOKIE_PATH)
        return response

    async def _state(self, request: web.Request) -> web.Response:
        """The polling fallback (and what a page reads after its own actions)."""
        try:
            s = self._session(request)
        except Refused as refused:
            return self._json(self._reader(request), refused.status, refused.key, refused.params)
        device = self.devices.identify(request)
        order = self._order(request.query.get("order"))
        state = await self._full(device, s.id, order, self._page_number(request.query.get("page")))
        return web.json_response(state, headers=HEADERS, dumps=_dumps)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        try:
            s = self._session(request)
        except Refused as refused:
            return self._json(self._reader(request), refused.status, refused.key, refused.params)
        order = self._order(request.query.get("order"))
        poll = f"/q/{quote(s.id)}/state?order={order}"
        return await self.streams[order].serve(request, s.id, poll)

    async def _close(self, app: web.Application) -> None:
        for stream in self.streams.values():
            await stream.close()

    # -- changing --------------------------------------------------------------------------

    async def _form(self, request: web.Request, limit: int) -> tuple[Session, Device, Form]:
        """The session, device and fields of a state-changing request, or Refused: too
        large (413), unreadable (400), without this device's CSRF token (403), over its
        address's budget (429)."""
        s = self._session(request)
        length = request.content_length
        if length is None:
            raise Refused(411, "web.q.bad_form")
        if length > limit:
            raise Refused(413, "web.q.too_large")
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise Refused(400, "web.q.bad_form")
        try:
            raw = await request.post()
        except (ValueError, LookupError) as exc:  # bad encoding; a charset Python lacks
            log.debug("unreadable audience form: %s", exc)
            raise Refused(400, "web.q.bad_form") from None
        fields: dict[str, str] = {}
        for name in ("csrf", "text", "name", "anonymous", "id", "order", "page", "poll", "option"):
            value = raw.get(name, "")
            if not isinstance(value, str):  # a file where text belongs
                raise Refused(400, "web.q.bad_form")
            fields[name] = value
        device = self.devices.identify(request)
        given = request.headers.get("X-CSRF-Token") or fields["csrf"]
        if not self.devices.csrf_ok(device, given):
            raise Refused(403, "web.q.forbidden")
        # After the token: a forged post (from another site a phone has open) spends
        # nothing of the hall's shared budget.
        if not self.budget.take(client_address(request, self.proxies)):
            raise Refused(429, "web.q.too_many")
        return s, device, fields

    async def _ask(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, ASK_MAX_BYTES, self._do_ask)

    async def _vote(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, VOTE_MAX_BYTES, self._do_vote(add=True))

    async def _unvote(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, VOTE_MAX_BYTES, self._do_vote(add=False))

    async def _poll_vote(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, VOTE_MAX_BYTES, self._do_poll_vote, anchor="polls")

    async def _do_poll_vote(self, t: Translator, s: Session, device: Device, form: Form) -> str:
        """A press of a poll's option: the poll (this session's or the event's) and the
        option by number, as the page's button sends them."""
        if self.polls is None:
            raise UserError("poll.unknown", ref=clip(form["poll"], 20))
        raw = form["poll"].strip().lstrip("#")
        if not raw.isdecimal() or len(raw) > 9:
            raise UserError("poll.unknown", ref=clip(raw, 20))
        poll = await self.polls.get(int(raw))
        if poll.session_id not in (s.id, None):
            raise UserError("poll.unknown", ref=f"#{poll.id}")
        option = form["option"].strip()
        if not option.isdecimal() or len(option) > 3:
            raise UserError(
                "poll.no_option", id=poll.id, value=clip(option, 20), count=len(poll.options)
            )
        position = int(option)
        ballot = await self.polls.vote(UserRef("web", device.id), poll, position)
        return vote_said(t, poll, position, ballot)

    async def _do_ask(self, t: Translator, s: Session, device: Device, form: Form) -> str:
        text = clean_typed(form["text"])
        name = " ".join(clean_typed(form["name"]).split())
        if len(name) > NAME_MAX:
            raise UserError("web.q.name_too_long", max=NAME_MAX)
        anonymous = form["anonymous"].lower() in ("on", "1", "true", "yes")
        user = UserRef("web", device.id, name or t("web.q.guest"))
        asked = await self.qa.ask(user, s, text, anonymous=anonymous, pick=t.pick)
        q = asked.question
        if asked.duplicate:
            return t(asked.reply_key, id=q.id, votes=q.votes)
        said = t("web.q.asked_pending" if q.status == PENDING else "web.q.asked_live", id=q.id)
        return f"{said} {t('web.q.asked_anonymous')}" if anonymous else said

    def _do_vote(
        self, *, add: bool
    ) -> Callable[[Translator, Session, Device, Form], Awaitable[str]]:
        async def act(t: Translator, s: Session, device: Device, form: Form) -> str:
            raw = form["id"].strip().lstrip("#")
            if not raw.isdecimal() or len(raw) > 12:
                raise UserError("qa.bad_id", value=raw[:20])
            qid = int(raw)
            q = await self.qa.question(qid)
            if q.session_id != s.id:
                raise UserError("qa.no_question", id=qid)
            changed, q = await self.qa.vote(UserRef("web", device.id), qid, add=add)
            if add:
                key = "qa.voted" if changed else "qa.vote_again"
            else:
                key = "qa.unvoted" if changed else "qa.not_voted"
            return t(key, id=qid, votes=q.votes)

        return act

    async def _change(
        self,
        request: web.Request,
        limit: int,
        act: Callable[[Translator, Session, Device, Form], Awaitable[str]],
        anchor: str = "",
    ) -> web.StreamResponse:
        """Run one action; answer JSON to the page's script, else a redirect back (to
        `anchor`, else to the ask form after a refusal) with the outcome for the next
        page (a refusal at the door is a short page)."""
        t = self._reader(request)
        wants_json = "application/json" in request.headers.get("Accept", "")
        try:
            s, device, form = await self._form(request, limit)
        except Refused as refused:
            if wants_json:
                return self._json(t, refused.status, refused.key, refused.params)
            return self._refusal_page(t, refused)
        order = self._order(form["order"])
        page = self._page_number(form["page"])
        try:
            message, ok = await act(t, s, device, form), True
        except UserError as exc:
            message, ok = t(exc.key, **exc.params), False
        if wants_json:
            state = await self._full(device, s.id, order, page)
            body = {"ok": ok, "message": message, "state": state}
            return web.json_response(body, status=200 if ok else 409, headers=HEADERS, dumps=_dumps)
        back = f"/q/{s.id}?order={order}" + (f"&page={page}" if page > 1 else "")
        where = f"#{anchor}" if anchor else "" if ok else "#ask"
        response = web.Response(status=303, headers={"Location": back + where})
        draft = (
            None
            if ok or not form["text"]
            else {
                "text": form["text"][: self.qa.config.max_length * 2],
                "name": form["name"][:NAME_MAX],
                "anonymous": form["anonymous"] != "",
            }
        )
        self._set_flash(request, response, device, "ok" if ok else "error", message, draft)
        return response

    # -- answers ---------------------------------------------------------------------------

    def _json(self, t: Translator, status: int, key: str, params: dict[str, Any]) -> web.Response:
        return web.json_response(
            {"ok": False, "message": t(key, **params)},
            status=status,
            headers=HEADERS,
            dumps=_dumps,
        )

    def _refusal_page(self, t: Translator, refused: Refused) -> web.Response:
        response = render(
            "audience_refused.html",
            status=refused.status,
            **self._base(t),
            message=t(refused.key, **refused.params),
        )
        if refused.status == 429:
            response.headers["Retry-After"] = "60"
        return response

    def _set_flash(
        self,
        request: web.Request,
        response: web.StreamResponse,
        device: Device,
        kind: str,
        message: str,
        draft: dict[str, Any] | None,
    ) -> None:
        """The outcome of a form, for the page the browser is sent back to: in a short
        cookie signed for this device, so no other site or device can plant one."""
        value = ""
        for payload in ({"k": kind, "m": message, "d": draft}, {"k": kind, "m": message}):
            raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            value = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
            if len(value) <= _FLASH_MAX:
                break
        tag = self.qa.keys.tag(f"flash:{device.id}", value)
        response.set_cookie(
            FLASH,
            f"{value}.{tag}",
            max_age=120,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=is_https(request),
        )

    def _take_flash(self, request: web.Request, device: Device) -> dict[str, Any] | None:
        """The outcome a form left for this page, if it is this device's and intact."""
        value, _, tag = request.cookies.get(FLASH, "").rpartition(".")
        if not value or device.new or len(value) > _FLASH_MAX:
            return None
        wanted = self.qa.keys.tag(f"flash:{device.id}", value)
        if not tag.isascii() or not hmac.compare_digest(tag.encode(), wanted.encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("m"), str):
            return None
        draft = data.get("d")
        return {
            "kind": "ok" if data.get("k") == "ok" else "error",
            "message": data["m"],
            "draft": _draft(draft if isinstance(draft, dict) else {}),
        }


NO_DRAFT = {"text": "", "name": "", "anonymous": False}


def _draft(value: dict[str, Any]) -> dict[str, Any]:
    """What a refused ask form held, to fill it in again (as typed: autoescaped)."""
    text, name = value.get("text"), value.get("name")
    return {
        "text": text if isinstance(text, str) else "",
        "name": name if isinstance(name, str) else "",
        "anonymous": value.get("anonymous") is True,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
