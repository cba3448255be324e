"""Long answers in pages that fit each platform's message.

A handler whose card can be long answers with all its lines and a `Paging`; the core cuts
out the page asked for with `paginate`, sized by the limits the platform's adapter
declared (`PageLimits`): Discord counts rendered characters of one embed, Slack those of
its sections, the terminal rows of its screen. Each platform shows the same page buttons
its own way (components, Block Kit buttons, `!n`), and a press comes back as the action
`PAGE_ACTION` whose value names the page and the action that makes the answer again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.core.model import Button, Card, Paging, Reply, Text, plain
from bot.core.text import clip
from bot.i18n import Translator

PAGE_ACTION = "page"
# Discord and Slack take at most 25 buttons a message (five rows of five; one actions
# block); two of them are the page buttons.
MAX_BUTTONS = 25
# The longest page label, reserved on every page before the number of pages is known.
_LABEL_ROOM = 9999


@dataclass(frozen=True)
class PageLimits:
    """How much one page may hold on a platform, as its adapter declares it.

    `measure` says what one line (or the title, the footer) costs of `size`: its
    characters as the platform renders them, with its line break, or the rows it takes on
    a screen. What a page holds besides its lines (title, fields, footer, kept lines)
    counts against `size` too.
    """

    size: int
    measure: Callable[[Text], int]
    buttons: int = MAX_BUTTONS


def plain_cost(text: Text) -> int:
    """A line's characters as read where nothing is rendered, with its line break."""
    return len(plain(text)) + 1


# Where no adapter said otherwise (tests, the App Home): one modest message.
DEFAULT_LIMITS = PageLimits(4000, plain_cost)


def page_value(page: int, action_id: str, value: str) -> str:
    """A page button's value: the page, then the action (and its value) that answers."""
    return f"{page}|{action_id}|{value}"


def read_page_value(value: str) -> tuple[int, str, str] | None:
    """(page, action id, value) from a page button's value; None when it is not one."""
    number, sep, rest = value.partition("|")
    action_id, sep2, inner = rest.partition("|")
    if not (sep and sep2 and action_id and number.isdigit() and len(number) <= 6):
        return None
    return int(number), action_id, inner


def paginate(reply: Reply, page: int, limits: PageLimits, t: Translator) -> Reply:
    """Page `page` of a paged reply (the last one when there are fewer), with the page
    buttons and "Page 2 of 7"; a reply that fits one page comes back whole."""
    paging, card = reply.paging, reply.card
    if paging is None:
        return reply
    if card is None:
        return replace(reply, paging=None)
    if paging.page:
        return _window(reply, paging, card, limits, t)
    measure = limits.measure
    head, body = card.lines[: paging.keep], card.lines[paging.keep :]
    marks = paging.line_buttons[: len(body)]
    marks += ((),) * (len(body) - len(marks))
    widest = t("page.of", page=_LABEL_ROOM, pages=_LABEL_ROOM)
    fixed = (
        measure(card.title)
        + measure(_footer(widest, card.footer))
        + sum(measure(f.name) + measure(f.value) for f in card.fields)
        + sum(measure(line) for line in head)
        + (measure(reply.text) if reply.text else 0)
    )
    starts = _cut(
        [measure(line) for line in body],
        [len(m) for m in marks],
        limits.size - fixed,
        limits.buttons - len(reply.buttons) - 2,
        paging.per_page,
    )
    if len(starts) == 1:
        return replace(reply, buttons=(*_flat(marks), *reply.buttons), paging=None)
    count = len(starts)
    page = min(max(page, 1), count)
    lo, hi = starts[page - 1], (starts[page] if page < count else len(body))
    nav: list[Button] = []
    if page > 1:
        nav.append(_nav(t("page.previous"), page - 1, paging.action_id, paging.value))
    if page < count:
        nav.append(_nav(t("page.next"), page + 1, paging.action_id, paging.value))
    footer = _footer(t("page.of", page=page, pages=count), card.footer)
    return replace(
        reply,
        card=replace(card, lines=(*head, *body[lo:hi]), footer=footer),
        buttons=(*_flat(marks[lo:hi]), *reply.buttons, *nav),
        paging=None,
    )


def _window(reply: Reply, paging: Paging, card: Card, limits: PageLimits, t: Translator) -> Reply:
    """The one page a handler read of a long list: page buttons counted from its total,
    and its lines shortened, longest first, where together they are more than a
    message holds."""
    count = max(1, -(-paging.total // max(paging.per_page, 1)))
    page = min(paging.page, count)
    nav: list[Button] = []
    if page > 1:
        nav.append(_nav(t("page.previous"), page - 1, paging.action_id, paging.value))
    if page < count:
        nav.append(_nav(t("page.next"), page + 1, paging.action_id, paging.value))
    label = t("page.of", page=page, pages=count)
    footer = _footer(label, card.footer) if count > 1 else card.footer
    measure = limits.measure
    fixed = (
        measure(card.title)
        + measure(footer)
        + sum(measure(f.name) + measure(f.value) for f in card.fields)
        + (measure(reply.text) if reply.text else 0)
    )
    lines = _shortened(card.lines, limits.size - fixed, measure)
    return replace(
        reply,
        card=replace(card, lines=lines, footer=footer),
        buttons=(*_flat(paging.line_buttons), *reply.buttons, *nav),
        paging=None,
    )


def _shortened(
    lines: tuple[Text, ...], room: int, measure: Callable[[Text], int]
) -> tuple[Text, ...]:
    """`lines` as they are when they fit `room`; else each line over a common cap cut to
    it (the cap as high as lets them all fit), so short lines stay whole."""
    costs = [measure(line) for line in lines]
    if sum(costs) <= room or not lines:
        return lines
    # The highest cap whose capped costs fit: fill the room from the shortest line up.
    left, cap = room, 0
    for n, cost in enumerate(sorted(costs)):
        share = left // (len(costs) - n)
        if cost > share:
            cap = share
            break
        left -= cost
    return tuple(
        line if cost <= cap else _cut_to(plain(line), max(cap, 1), measure)
        for line, cost in zip(lines, costs, strict=True)
    )


def _cut_to(text: str, cap: int, measure: Callable[[Text], int]) -> str:
    """The longest clip of `text` that costs at most `cap` (a line whose mere ellipsis
    costs more stays an ellipsis, which the adapter clips if it must)."""
    lo, hi = 1, len(text)  # clip(text, 1) is "…"
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(clip(text, mid)) <= cap:
            lo = mid
        else:
            hi = mid - 1
    return clip(text, lo)


def _cut(
    costs: Sequence[int], buttons: Sequence[int], room: int, button_room: int, per_page: int
) -> list[int]:
    """Where each page starts: as many lines as fit `room` and their buttons
    `button_room` (at most `per_page` when set); a line too long for any page gets one
    of its own, which the adapter then clips."""
    starts = [0]
    used = lines = pressed = 0
    for i, (cost, more) in enumerate(zip(costs, buttons, strict=True)):
        full = used + cost > room or pressed + more > button_room
        if lines and (full or (per_page and lines >= per_page)):
            starts.append(i)
            used = lines = pressed = 0
        used += cost
        lines += 1
        pressed += more
    return starts


def _nav(label: str, page: int, action_id: str, value: str) -> Button:
    return Button(label, PAGE_ACTION, page_value(page, action_id, value))


def _footer(label: str, footer: str) -> str:
    return f"{label} · {footer}" if footer else label


def _flat(marks: Sequence[tuple[Button, ...]]) -> tuple[Button, ...]:
    return tuple(b for m in marks for b in m)
