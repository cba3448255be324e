"""`forum-bot import`, `export` and `check`: the programme and the event file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import ConfigError, EventConfig, Settings, event_warnings, load_event


def event_or_report(settings: Settings, path: Path | None) -> EventConfig | None:
    """The event file (`--config`, else the configured or embedded one), or None having
    listed its problems on standard error."""
    from bot.app import config_path

    try:
        return load_event(config_path(settings, path))
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return None


def write_out(data: bytes, out: Path | None) -> int:
    """Write an export to `out`, or to standard output."""
    if out:
        out.write_bytes(data)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def import_programme(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot import FILE`: the event file (the embedded or --config one) with its
    programme replaced by FILE's; all or nothing, every problem listed."""
    import yaml

    from bot.app import config_path
    from bot.programme.formats import config_data, dead_mappings, load

    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"forum-bot: {args.file}: cannot read: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        base = config_data(load_event(config_path(settings, args.config)))
        config = load(raw, str(args.file), args.format, base=base, timezone=args.timezone)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    text = yaml.safe_dump(config_data(config), allow_unicode=True, sort_keys=False, width=100)
    summary = (
        f"{len(config.sessions)} sessions, {len(config.rooms)} rooms, "
        f"{len(config.people)} people over {len(config.event.dates)} day(s)"
    )
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {summary}", file=sys.stderr)
    else:
        sys.stdout.write(text)
        print(f"imported {summary}", file=sys.stderr)
    # What the import left unmapped: old rooms' channels dropped, new rooms without one.
    kept = {**base, "rooms": [{"id": r.id} for r in config.rooms]}
    for platform, rooms in dead_mappings(kept).items():
        print(
            f"platforms.{platform}.rooms: dropped the channels of rooms the programme does "
            f"not have: {', '.join(rooms)}",
            file=sys.stderr,
        )
    for warning in event_warnings(config):
        print(f"warning: {warning}; give them channels in the event file", file=sys.stderr)
    if config.illustrative:
        print(
            "the event file still says illustrative: true (times not yet official); "
            "remove it once they are",
            file=sys.stderr,
        )
    return 0


async def export(settings: Settings, args: argparse.Namespace) -> int:
    """`forum-bot export --format ics|json|csv`: the programme for calendars and tools."""
    import json
    from datetime import UTC, datetime

    from bot.programme.building import build_agenda
    from bot.programme.frab import to_frab_json
    from bot.programme.ical import to_ics
    from bot.programme.tabular import to_csv
    from bot.storage import open_store
    from bot.storage.calendar import sequences

    config = event_or_report(settings, args.config)
    if config is None:
        return 1
    agenda = build_agenda(config)
    if args.format == "json":
        data = json.dumps(to_frab_json(agenda, config), ensure_ascii=False, indent=2).encode()
    elif args.format == "csv":
        data = to_csv(agenda).encode("utf-8-sig")
    else:
        now = datetime.now(UTC)
        where = settings.database(args.db)
        seqs: dict[str, int] = {}
        if has_database(where):  # the running bot's numbers, so calendars see updates
            store = await open_store(where)
            try:
                seqs = await sequences(store, agenda.sessions, now)
            finally:
                await store.close()
        data = to_ics(
            agenda, agenda.sessions, sequences=seqs, now=now, calendar_name=config.event.name.en
        )
    return write_out(data, args.out)


def has_database(where: Path | str) -> bool:
    """Whether there is a database to read: PostgreSQL's is always said to be (opening it
    says otherwise), an SQLite file when it exists."""
    return not isinstance(where, Path) or where.exists()


def check(settings: Settings, given: Path | None) -> int:
    from bot.app import config_path

    path = config_path(settings, given)
    try:
        config = load_event(path)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    warnings = event_warnings(config)
    for warning in warnings:
        print(f"{path}: warning: {warning}", file=sys.stderr)
    print(
        f"{path}: OK: {len(config.sessions)} sessions, {len(config.rooms)} rooms, "
        f"{len(config.people)} people over {len(config.event.dates)} day(s)"
        + (" (times marked illustrative)" if config.illustrative else "")
        + (f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else "")
    )
    return 0
