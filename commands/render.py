"""How sessions and people read in a reply: shared by every agenda command."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.context import Context
from bot.core.model import Card, Field, Stamp, Text
from bot.programme import Person, Session

# Platforms that render a stamp in each reader's own zone (Discord's <t:…>, Slack's
# <!date^…>): the bot cannot know that zone, so it names none and dates every start.
LOCALISING_PLATFORMS = frozenset({"discord", "slack"})


def localises(ctx: Context) -> bool:
    """Whether this reader's platform shows stamps in the reader's own zone."""
    return ctx.platform in LOCALISING_PLATFORMS


def when(ctx: Context, s: Session, *, with_date: bool = False) -> tuple[str | Stamp, ...]:
    """A session's time span in the reader's zone; with the date when it is needed."""
    t = ctx.t
    # Hot path (a day of an agenda is hundreds of lines): convert each moment once.
    start_local, end_local = s.start.astimezone(t.tz), s.end.astimezone(t.tz)
    # A reader abroad may see a session on another calendar day than the event's; where
    # the platform picks the zone, any reader may be abroad.
    first_dated = with_date or localises(ctx) or start_local.date() != ctx.agenda.event_day(s)
    last_dated = end_local.date() != start_local.date()
    return (
        Stamp(
            s.start, "f" if first_dated else "t", t.local_text(start_local, with_date=first_dated)
        ),
        " - ",
        Stamp(s.end, "f" if last_dated else "t", t.local_text(end_local, with_date=last_dated)),
    )


def room_name(ctx: Context, s: Session) -> str:
    """The session's room in the reader's language, or "" when it has none."""
    room = ctx.agenda.rooms.get(s.room or "")
    return ctx.t.pick(room.name) if room else ""


def session_line(ctx: Context, s: Session, *, with_date: bool = False) -> Text:
    """One line for a list: time, title, room and the id to ask about it."""
    parts: list[str | Stamp] = [*when(ctx, s, with_date=with_date), "  ", ctx.t.pick(s.title)]
    room = room_name(ctx, s)
    # A room named like its only session (the photo zone) need not be said twice.
    if room and not ctx.t.pick(s.title).startswith(room):
        parts.append(f" · {room}")
    if s.qa:
        parts.append(f" · {ctx.t('agenda.qa_badge')}")
    parts.append(f"  [{s.id}]")
    return tuple(parts)


def person_label(ctx: Context, p: Person) -> str:
    """A person's name with affiliation, in the reader's language."""
    name = ctx.t.pick(p.name)
    affiliation = ctx.t.pick(p.affiliation)
    return f"{name} ({affiliation})" if affiliation else name


def session_card(ctx: Context, s: Session) -> Card:
    """Everything about one session."""
    t = ctx.t
    fields: list[Field] = [Field(t("field.when"), when(ctx, s, with_date=True), inline=False)]
    room = room_name(ctx, s)
    if room:
        fields.append(Field(t("field.room"), room))
    chairs = ctx.agenda.people_named(s.chairs)
    if chairs:
        fields.append(Field(t("field.chair"), ", ".join(person_label(ctx, p) for p in chairs)))
    speakers = ctx.agenda.people_named(s.speakers)
    if speakers:
        fields.append(Field(t("field.speakers"), ", ".join(person_label(ctx, p) for p in speakers)))
    lines: list[Text] = []
    abstract = t.pick(s.abstract)
    if abstract:
        lines.append(abstract)
    if s.qa:
        lines.append(t("agenda.qa_hint"))
    return Card(
        title=t.pick(s.title), fields=tuple(fields), lines=tuple(lines), footer=zone_note(ctx)
    )


def session_list(
    ctx: Context, sessions: Iterable[Session], *, with_date: bool = False
) -> tuple[Text, ...]:
    """Lines for several sessions."""
    return tuple(session_line(ctx, s, with_date=with_date) for s in sessions)


def moment(ctx: Context, at: datetime) -> Stamp:
    """A moment in a sentence: its time, with the date where the reader's day may differ
    from today's (always where the platform picks the reader's zone)."""
    t = ctx.t
    local = t.local(at)
    dated = localises(ctx) or local.date() != t.local(ctx.clock.now()).date()
    return Stamp(at, "f" if dated else "t", t.local_text(local, with_date=dated))


def zone_note(ctx: Context, at: datetime | None = None) -> str:
    """Which zone the times are in, and how to change it."""
    t = ctx.t
    if localises(ctx):
        return t("agenda.zone_local")
    zone = t.zone_name(at or ctx.clock.now())
    if t.tz.key == ctx.event_tz.key:
        return t("agenda.zone_event", zone=zone)
    return t("agenda.zone_yours", zone=zone)


def minutes_until(now: datetime, then: datetime) -> int:
    """Whole minutes from now until then, rounded up."""
    seconds = (then - now).total_seconds()
    return max(0, int(-(-seconds // 60)))
