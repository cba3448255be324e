"""Server-rendered pages for people outside Discord and Slack: the event's page and the
audience's Q&A. Jinja2 renders them with autoescaping on, so nothing a person typed
becomes markup; each page links one stylesheet and its small scripts of this
server's own (the Content-Security-Policy allows nothing else, and no inline script).

Jinja2 is imported when the first page is rendered: a bot whose web server only answers
Slack and the health check never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.i18n import LANGUAGES, Translator
from bot.i18n.zones import known_zone

if TYPE_CHECKING:
    import jinja2

# Forms post to this server only; scripts, styles, images and streams come from it too.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
# The site's own files under /static/site/: name -> content type. live.js (a stream, else
# polling) is shared by the audience's page, the presenter screen and the moderators' page.
ASSETS = {
    "site.css": "text/css",
    "event.js": "text/javascript",
    "audience.js": "text/javascript",
    "live.js": "text/javascript",
}


# The reader's choices, kept by their browser: a language picked on a page (?lang=), and
# the zone its script read from the browser (Intl), so times are shown in it.
LANG_COOKIE, ZONE_COOKIE = "lang", "tz"
LANGUAGE_NAMES = (("en", "English"), ("ko", "한국어"))


def reader(request: web.Request, default_lang: str, event_zone: ZoneInfo) -> Translator:
    """Messages and times for whoever reads this page: their language from ?lang=, their
    cookie, then the browser's Accept-Language, then the event's; their zone from the
    cookie the page's script sets, else the event's."""
    lang = _language(request) or default_lang
    return Translator(lang, _browser_zone(request.cookies.get(ZONE_COOKIE, "")) or event_zone)


def _browser_zone(name: str) -> ZoneInfo | None:
    """A zone the browser named, quietly none if unknown (a cookie is anyone's to write)."""
    return known_zone(name) if len(name) <= 60 else None


def _language(request: web.Request) -> str | None:
    for asked in (request.query.get("lang"), request.cookies.get(LANG_COOKIE)):
        if asked in LANGUAGES:
            return asked
    # "ko-KR,ko;q=0.9,en;q=0.8": the first supported language by weight (a tag with
    # no weight weighs 1). Nothing else of the header is used.
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate(request.headers.get("Accept-Language", "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and q > 0:
            weighted.append((-q, n, primary))
    return min(weighted)[2] if weighted else None


def remember_language(request: web.Request, response: web.StreamResponse) -> None:
    """Keep a language picked with ?lang= for the reader's next pages (a year)."""
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, asked, max_age=365 * 86400, httponly=True, samesite="Lax", path="/"
        )


def in_language(shown: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """How a reader of `lang` reads a question as pages get it (`QA.public`), as
    `Question.in_language` does: its translation into their language first when there is
    one, over the question as asked ("original"); else the question alone."""
    own = shown.get("lang")
    found = shown.get("translations", {}).get(lang) if lang != own else None
    if found is None:
        return {"text": shown["text"], "lang": own, "original": None, "machine": False}
    return {
        "text": found["text"],
        "lang": lang,
        "original": shown["text"],
        "original_lang": own,
        "machine": bool(found["machine"]),
    }


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_html(name: str, **values: Any) -> str:
    """The template `name` rendered (autoescaped)."""
    return _environment().get_template(name).render(**values)


def render(name: str, status: int = 200, **values: Any) -> web.Response:
    """The template `name` rendered as an HTML page with the site's headers."""
    return web.Response(
        text=page_html(name, **values),
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers=HEADERS,
    )


def add_assets(app: web.Application, files: dict[str, str] | None = None) -> None:
    """Serve the site's stylesheet and scripts (`files`: name -> content type) from
    /static/site/, read once."""
    kinds = {**ASSETS, **(files or {})}
    texts = {
        name: resources.files("bot.web").joinpath("static", name).read_text(encoding="utf-8")
        for name in kinds
    }

    async def asset(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in texts:
            raise web.HTTPNotFound()
        return web.Response(
            text=texts[name],
            content_type=kinds[name],
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    app.router.add_get("/static/site/{name}", asset)
