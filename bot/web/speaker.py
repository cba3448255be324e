"""The speaker's view of a session's live Q&A: a tablet on the stage.

`/speaker-view/<session>?token=...&lang=en|ko` shows the highlighted question first, then
the approved queue by votes, each in the speaker's language (its translation when there
is one, else the question as asked, marked "not translated"), in large type and with no
controls. Like the moderators' page it needs the link with its token (a keyed hash of
"speaker:<session>", on the moderators' page); like the presenter screen it follows the
session live (`bot.web.stream`, `live.js`), and its script puts every text in with
`textContent`. The language is chosen in the browser from one state for every speaker.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.i18n import LANGUAGES, Translator
from bot.i18n.messages import MESSAGES, Plural
from bot.qa.service import QA, public
from bot.web.pages import LANGUAGE_NAMES, page_html
from bot.web.present import SCREEN_HEADERS, authorised, state_json
from bot.web.stream import Broadcaster, Seats

# The queue shows this many approved questions after the highlighted one: a speaker
# answers a handful in a session; the rest are for the export.
QUEUE_SHOWN = 30


def _strings(t: Translator, default_lang: str) -> dict[str, Any]:
    """The words speaker.js needs, in the speaker's language."""
    votes = MESSAGES["qa.votes"][t.lang]
    return {
        "lang": t.lang,
        "default_lang": default_lang,
        "votes": votes.forms if isinstance(votes, Plural) else {"other": votes},
        "anonymous": t("qa.anonymous"),
        "not_translated": t("web.speaker.not_translated"),
        "machine": t("web.q.machine_translated"),
        "empty": t("web.speaker.empty"),
        "is_open": t("web.q.is_open"),
        "is_closed": t("web.q.is_closed"),
    }


class SpeakerPages:
    """Routes of the speaker's view over one QA service."""

    def __init__(self, qa: QA, seats: Seats | None = None) -> None:
        self.qa = qa
        self.stream = Broadcaster(qa.hub, self._view, seats or Seats())

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/speaker-view/{session}", self._page)
        r.add_get("/speaker-view/{session}/events", self._events)
        r.add_get("/speaker-view/{session}/state", self._state)
        app.on_cleanup.append(self._close)

    def _session(self, request: web.Request) -> str:
        """The session asked for (404 when there is none), once its token is right."""
        session_id = request.match_info["session"]
        if self.qa.agenda.session(session_id) is None:
            raise web.HTTPNotFound(text="There is no such session.\n")
        authorised(request, self.qa, f"speaker:{session_id}", "on the moderators' page")
        return session_id

    async def _page(self, request: web.Request) -> web.Response:
        session_id = self._session(request)
        event = self.qa.agenda.event
        asked = request.query.get("lang")
        t = Translator(asked if asked in LANGUAGES else event.default_language, event.timezone)
        s = self.qa.session(session_id)
        html = page_html(
            "speaker.html",
            lang=t.lang,
            t=t,
            title=t.pick(s.title),
            session_id=session_id,
            token=request.query.get("token", ""),
            languages=[(code, name) for code, name in LANGUAGE_NAMES if code in LANGUAGES],
            strings=_strings(t, event.default_language),
        )
        return web.Response(
            text=html, content_type="text/html", charset="utf-8", headers=SCREEN_HEADERS
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        session_id = self._session(request)
        return await self.stream.serve(request, session_id, f"/speaker-view/{session_id}/state")

    async def _state(self, request: web.Request) -> web.Response:
        return await self.stream.state(self._session(request))

    async def _view(self, session_id: str) -> bytes:
        """The highlighted question and the approved queue by votes (at most QUEUE_SHOWN),
        each with its translations: the same bytes for every speaker's language."""
        s = self.qa.session(session_id)
        current = await self.qa.highlighted(session_id)
        shown = current.id if current else None
        queue = await self.qa.listing(session_id, "top", QUEUE_SHOWN + 1)
        state = {
            "session": s.id,
            "title": {"en": s.title.en, "ko": s.title.ko},
            "open": (await self.qa.status(s)).open,
            "highlight": public(current) if current else None,
            "queue": [public(q) for q in queue if q.id != shown][:QUEUE_SHOWN],
        }
        return state_json(state)

    async def _close(self, app: web.Application) -> None:
        await self.stream.close()
