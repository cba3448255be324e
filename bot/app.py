"""Wiring: Settings -> Store -> Core -> adapters -> web server; and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from bot import __version__
from bot.core.clock import Clock, SystemClock
from bot.core.dispatch import Core
from bot.core.model import Role
from bot.core.ports import MachineTranslator
from bot.core.tasks import Background
from bot.platforms.base import Adapter, HoldsGateway, ServesHTTP, StartupError
from bot.programme.building import build_agenda
from bot.qa.identity import load_secret
from bot.settings import EventConfig, PlatformConfig, Settings, default_config_path, load_event
from bot.storage import StorageError, Store, open_store
from bot.storage.base import POSTGRESQL, is_postgres_url
from bot.storage.faults import make_folder, os_fault
from bot.translation import provider
from commands import ACTIONS, ALL, HOME

if TYPE_CHECKING:
    from bot.cluster import AgendaRelay, Cluster, HubRelay, Relayed
    from bot.runtime import Runtime
    from bot.web.server import WebServer

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class RunOptions:
    """What `forum-bot run` was asked for on its command line."""

    config: Path | None = None
    db: Path | None = None
    role: Role = Role.PARTICIPANT
    console: bool = False
    stdin: TextIO | None = None
    stdout: TextIO | None = None


@dataclass
class App:
    """The running bot's parts."""

    settings: Settings
    config: EventConfig
    store: Store
    core: Core
    adapters: list[Adapter] = field(default_factory=list)
    web: WebServer | None = None
    runtime: Runtime | None = None
    cluster: Cluster | None = None  # on PostgreSQL: this instance's part in the election
    relay: HubRelay | None = None  # and its live pages' news from the other instances
    agendas: AgendaRelay | None = None  # and the agenda changes they apply
    tasks: Background = field(default_factory=lambda: Background(log, "SIGHUP's reload"))


def config_path(settings: Settings, given: Path | None) -> Path:
    """The event file to use: --config, then FORUM_BOT_CONFIG, then the embedded default."""
    return given or settings.config or default_config_path()


async def build_core(
    config: EventConfig,
    store: Store,
    clock: Clock,
    secret: bytes | None = None,
    machine: MachineTranslator | None = None,
) -> Core:
    """A core over an event and a store, with every command (and the machine-translation
    provider, when one is configured)."""
    return Core(
        store=store,
        clock=clock,
        config=config,
        agenda=build_agenda(config),
        commands=ALL,
        actions=ACTIONS,
        home=HOME,
        secret=secret,
        machine=machine,
    )


async def run(settings: Settings, options: RunOptions, clock: Clock) -> int:
    """Run until the terminal closes or SIGINT/SIGTERM; returns the exit code."""
    path = config_path(settings, options.config)
    config = load_event(path)
    db = options.db or settings.db
    opened = await _open_storage(settings, db, settings.database(options.db))
    if opened is None:
        return 1
    lock, store, secret = opened
    stop = asyncio.Event()
    core = await build_core(config, store, clock, secret, provider(settings))
    app = App(settings, config, store, core)
    _on_signals(app, stop)
    try:
        # The terminal greets at once but reads its first line once the bot is ready (the
        # planner, the web server): a piped `/qa-screen` gets the real link, not "off".
        ready = asyncio.Event()
        if not await _start_surfaces(app, options, stop, ready):
            return 1
        if not await _start_running_side(app, path, lock):
            return 1
        settle_memory()
        ready.set()
        log.info(
            "forum-bot %s ready: %s, %d sessions, adapters: %s",
            __version__,
            path.name,
            len(app.core.agenda.sessions),
            ", ".join(a.name for a in app.adapters),
        )
        await stop.wait()
    finally:
        await _shutdown(app)
        lock.release()
    return 0


async def _open_storage(
    settings: Settings, db: Path, where: Path | str
) -> tuple[InstanceLock, Store, bytes] | None:
    """This machine's instance lock, the store and the Q&A secret; None (said in the log)
    when another bot runs here. A database that cannot be used raises StorageError,
    which the command line says in a line; nothing stays open then.

    The pid file is beside the SQLite file `db` (FORUM_BOT_DB) also when the store is
    PostgreSQL (`where`): it is how commands on this machine find the bot. There, several
    instances share the database, one of them leading (bot/cluster.py)."""
    secret = configured_secret(settings, where)
    make_folder(db)
    try:
        lock = InstanceLock(pidfile_for(db))
    except StartupError as exc:
        log.error("%s", exc)
        return None
    try:
        store = await open_store(where)
    except BaseException:
        lock.release()
        raise
    try:
        if secret is None:
            secret = load_secret(None, db)
    except BaseException:
        await store.close()
        lock.release()
        raise
    return lock, store, secret


def configured_secret(settings: Settings, where: Path | str) -> bytes | None:
    """FORUM_BOT_SECRET, or None to keep one beside the SQLite file. On PostgreSQL it must
    be set (StorageError): every instance must key people alike, and the database alone
    must name nobody."""
    if settings.secret is not None and settings.secret.get_secret_value():
        return settings.secret.get_secret_value().encode("utf-8")
    if is_postgres_url(where):
        raise StorageError(
            "FORUM_BOT_DATABASE_URL needs FORUM_BOT_SECRET: the key of the Q&A's keyed "
            "hashes, the same on every instance and not in the database; set it to a long "
            "random value (openssl rand -hex 32) and keep it"
        )
    return None


def _on_signals(app: App, stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM stop the bot; SIGHUP reloads the event file (from the start: its
    default action would end the process); SIGUSR1 says `forum-bot announce` wrote to the
    store, so the bot plans again (it polls nothing)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGHUP, lambda: _reload_soon(app))
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGUSR1, lambda: _store_changed(app))


async def _start_surfaces(
    app: App, options: RunOptions, stop: asyncio.Event, ready: asyncio.Event
) -> bool:
    """Every platform whose token is set, and the terminal when asked for or alone;
    False (said in the log) when one cannot start."""
    try:
        app.adapters.extend(_platform_adapters(app, app.settings))
    except StartupError as exc:
        log.error("%s", exc)
        return False
    if options.console or not app.adapters:
        from bot.platforms.console.adapter import ConsoleAdapter  # not with a platform alone

        only = not app.adapters
        app.adapters.append(
            ConsoleAdapter(
                app.core,
                role=options.role,
                stdin=options.stdin,
                stdout=options.stdout,
                # Leaving the terminal ends the bot only when the terminal is all it runs.
                on_exit=stop.set if only else None,
                ready=ready,
            )
        )
    on_postgres = app.store.engine == POSTGRESQL
    for adapter in app.adapters:
        if on_postgres and isinstance(adapter, HoldsGateway):
            # Several instances may share the database: the leader holds the gateway
            # (bot/cluster.py), the others only log in to send their share by REST.
            adapter.follower = True
        try:
            await adapter.start()
        except StartupError as exc:
            log.error("%s: %s", adapter.name, exc)
            return False
    return True


async def _start_running_side(app: App, path: Path, lock: InstanceLock) -> bool:
    """Reminders and announcements (planned from the store, sent through the adapters),
    then the web server; False (said in the log) when the web server cannot start."""
    from bot.runtime import Runtime

    if app.store.engine == POSTGRESQL:
        await _join_cluster(app, path)
    else:
        app.runtime = Runtime(app.core, app.adapters, config_path=path)
        await app.runtime.start()
    # After the adapters: the prompt is up before aiohttp's server is even imported.
    if app.settings.web_port is not None:
        try:
            app.web = await _start_web(app, app.settings)
        except StartupError as exc:
            log.error("%s", exc)
            return False
        if app.web is not None:
            # Beside the pid: `forum-bot qa screen` gives links with the real port.
            lock.note_web(app.core.qa.web_url)
    return True


async def _join_cluster(app: App, path: Path) -> None:
    """On PostgreSQL, where several instances may share the database: this one drains the
    outbox (taking back a dead instance's claims), and holds Discord's gateway and plans
    only while it leads."""
    from bot.cluster import AgendaRelay, Cluster, HubRelay
    from bot.runtime import Runtime
    from bot.storage import prefs
    from bot.storage.postgres import PostgresStore

    assert isinstance(app.store, PostgresStore)
    # Heartbeats and leases in real seconds, whatever a rehearsal's clock does (a fast
    # one would make live instances look dead).
    platforms = [a.name for a in app.adapters]
    cluster = Cluster(app.store, SystemClock(), platforms=platforms)
    runtime = Runtime(app.core, app.adapters, config_path=path, claimer=cluster.id)
    # Live pages served here follow votes and questions taken on any instance, the
    # preferences kept here those chosen on any, the leader's plan the subscriptions
    # and announcements made on any, and the senders here the deliveries queued on any.
    hubs: dict[str, Relayed] = {
        "qa": app.core.qa.hub,
        "polls": app.core.polls.hub,
        "prefs": prefs.notices(app.store),
        "plan": runtime.plan_notices,
        "queue": runtime.queue_notices,
    }
    app.relay = HubRelay(app.store, cluster.id, hubs)
    await app.relay.start()
    app.runtime, app.cluster = runtime, cluster
    gateways = [a for a in app.adapters if isinstance(a, HoldsGateway)]

    async def lead() -> None:
        # The gateway first: the planner's first pass mirrors the programme on Discord.
        for adapter in gateways:
            await adapter.lead()
        await runtime.start_planner()

    async def follow() -> None:
        try:
            await runtime.stop_planner()
        finally:
            # Whatever happened to the planner, the gateway goes: two instances holding
            # it would both answer every command.
            for adapter in gateways:
                await adapter.follow()

    cluster.on_lead, cluster.on_follow = lead, follow
    cluster.on_requeued = runtime.wake_sender
    await cluster.beat()  # before the senders claim anything: claims of the living
    await runtime.start(plan=False)  # takes the agenda in force, if the database keeps one
    # An agenda change applied on any instance (a reload, the source) is followed here.
    app.agendas = AgendaRelay(app.store, runtime.follow_agenda, poll=cluster.poll)
    await app.agendas.start()
    await cluster.start()
    if not cluster.leading.is_set():
        log.info("instance %s serves; another instance leads and plans", cluster.id)


def pidfile_for(db: Path) -> Path:
    """Where a running bot says its process id, so `forum-bot reload` can signal it."""
    return db.with_name(db.name + ".pid")


class InstanceLock:
    """One bot per database: a lock held on the pid file for the process's life.

    Two bots on one database would both requeue each other's deliveries in flight. The
    lock goes with the process, however it ends, so a stale pid file blocks nothing.
    """

    def __init__(self, path: Path) -> None:
        import fcntl

        self.path = path
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise os_fault(path, exc, "create the lock file") from exc
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(self._fd, 32).decode("ascii", "replace").strip()
            os.close(self._fd)
            raise StartupError(
                f"another forum-bot (pid {other or '?'}) is running on this database; "
                "stop it or use another --db"
            ) from None
        except OSError as exc:
            os.close(self._fd)
            raise os_fault(path, exc, "lock") from exc
        pid = f"{os.getpid()}\n".encode("ascii")
        try:
            # Write, then cut what a longer old pid leaves: on a full disk the write fails
            # (ENOSPC) before anything was emptied.
            os.pwrite(self._fd, pid, 0)
            os.ftruncate(self._fd, len(pid))
        except OSError as exc:
            os.close(self._fd)
            raise os_fault(path, exc, "write the lock file") from exc

    def note_web(self, base: str) -> None:
        """Write the web server's address under the pid (see `running_bot`)."""
        content = f"{os.getpid()}\n{base}\n".encode()
        try:
            # Longer than the pid alone: nothing of the old content is left to cut.
            os.pwrite(self._fd, content, 0)
            os.ftruncate(self._fd, len(content))
        except OSError as exc:
            log.warning("cannot write the web address to %s: %s", self.path, exc.strerror)

    def release(self) -> None:
        """Remove the pid file and let go of the lock."""
        self.path.unlink(missing_ok=True)
        os.close(self._fd)


@dataclass(frozen=True)
class RunningBot:
    """A bot running on a database, as its pid file says."""

    pid: int
    # Its web server's address as people reach it; None: it runs none.
    web: str | None = None


def running_bot(path: Path) -> RunningBot | None:
    """The bot holding this pid file's lock (its pid, then its web address, one a line),
    or None when no bot does."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        lines = os.read(fd, 4096).decode("utf-8", "replace").splitlines()
        if not lines or not lines[0].strip().isdigit():
            return None
        web = lines[1].strip() if len(lines) > 1 and lines[1].strip() else None
        return RunningBot(int(lines[0]), web)
    else:
        return None  # nobody holds it: a stale file
    finally:
        os.close(fd)


def running_pid(path: Path) -> int | None:
    """The pid of the bot holding this pid file's lock, or None when no bot does."""
    bot = running_bot(path)
    return bot.pid if bot is not None else None


def _reload_soon(app: App) -> None:
    async def reload() -> None:
        from bot.settings import ConfigError

        try:
            if app.runtime is not None:
                changes = await app.runtime.reload_agenda()
                log.info("SIGHUP: agenda reloaded, %d change(s)", len(changes))
        except ConfigError as exc:
            log.error("SIGHUP: the event file is not valid, nothing changed: %s", exc.report())
        except Exception:
            log.exception("SIGHUP: reload failed")

    app.tasks.spawn(reload(), name="reload")


def _store_changed(app: App) -> None:
    # Before the runtime starts there is nothing to do: its start reads the store.
    if app.runtime is not None:
        app.runtime.store_changed()


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the bot's event loop: uvloop where installed (Linux, macOS), asyncio's otherwise.

    A burst of commands is bound by the event loop's own overhead as much as by our code;
    uvloop cuts that overhead by about half.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def settle_memory() -> None:
    """Once started, move the ~100,000 objects of the imported libraries out of the
    collector's sight: full collections then take milliseconds, not a 100 ms pause in the
    middle of a burst of commands; then give back the C heap start-up freed."""
    gc.collect()
    gc.freeze()
    trim_malloc()


def trim_malloc() -> None:
    """Return the C heap that start-up used and freed (pydantic building its validators,
    the YAML parser, the migrations) to the system: glibc keeps it mapped otherwise, about
    1 MiB of the bot's resident memory for good. Nothing where libc has no malloc_trim."""
    import ctypes  # discord.py has already imported it (for voice)

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return
    trim(0)


def _platform_adapters(app: App, settings: Settings) -> list[Adapter]:
    """An adapter for every platform whose token is set."""
    adapters: list[Adapter] = []
    if settings.discord_token is not None:
        from bot.platforms.discord.adapter import DiscordAdapter, DiscordSettings

        adapters.append(
            DiscordAdapter(
                app.core,
                DiscordSettings(
                    token=settings.discord_token.get_secret_value(),
                    guild_ids=settings.guild_ids(),
                    api_base=settings.discord_api_base_url,
                    gateway_url=settings.discord_gateway_url,
                ),
                app.config.platforms.get("discord", PlatformConfig()),
                app.store,
            )
        )
    if settings.slack_bot_token is not None:
        from bot.platforms.slack.adapter import SlackAdapter, SlackSettings

        if settings.slack_signing_secret is None and settings.slack_app_token is None:
            raise StartupError(
                "SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (HTTP mode) or "
                "SLACK_APP_TOKEN (Socket Mode)"
            )
        secret = settings.slack_signing_secret
        app_token = settings.slack_app_token
        if app_token is None and (secret is None or not secret.get_secret_value().strip()):
            # An empty secret would let anyone sign a request: HTTP mode needs a real one.
            raise StartupError(
                "SLACK_SIGNING_SECRET is empty: HTTP mode verifies every request with it; "
                "copy it from the app's Basic Information page (or set SLACK_APP_TOKEN)"
            )
        if app_token is None and settings.web_port is None:
            raise StartupError(
                "Slack's HTTP mode is served by the web server, which FORUM_BOT_WEB_PORT=off "
                "turns off: set a port, or SLACK_APP_TOKEN for Socket Mode"
            )
        adapters.append(
            SlackAdapter(
                app.core,
                SlackSettings(
                    bot_token=settings.slack_bot_token.get_secret_value(),
                    signing_secret=secret.get_secret_value() if secret else "",
                    app_token=app_token.get_secret_value() if app_token else None,
                    api_base=settings.slack_api_base_url,
                    command_prefix=settings.slack_command_prefix,
                ),
                app.config.platforms.get("slack", PlatformConfig()),
            )
        )
    return adapters


async def _start_web(app: App, settings: Settings) -> WebServer | None:
    from bot.settings.environment import networks
    from bot.web.server import WebServer

    async def health() -> dict[str, Any]:
        await app.store.fetchone("SELECT 1")
        said: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "adapters": [a.name for a in app.adapters],
            "sessions": len(app.core.agenda.sessions),
        }
        if app.cluster is not None:
            # Behind a load balancer: which instance answered, and whether it leads.
            said |= {"instance": app.cluster.id, "leads": app.cluster.leading.is_set()}
        return said

    # Adapters that Slack or a browser reaches over HTTP mount their paths on it.
    served = [a for a in app.adapters if isinstance(a, ServesHTTP)]
    routes = [a.add_routes for a in served]
    web = WebServer(
        settings.web_host,
        settings.web_port or 0,
        health,
        app.core.qa,
        routes,
        max_viewers=settings.max_viewers,
        proxies=networks(settings.trusted_proxies),
        polls=app.core.polls,
    )
    try:
        port = await web.start()
    except OSError as exc:
        await web.stop()
        where = f"{settings.web_host}:{settings.web_port}"
        if any(a.http_mode for a in served):
            raise StartupError(
                f"cannot listen on {where} ({exc.strerror}), where Slack's requests arrive; "
                "set FORUM_BOT_WEB_PORT to a free port"
            ) from exc
        # A second bot on the same machine must not die for want of a health port.
        log.warning(
            "web server not started on %s (%s); set FORUM_BOT_WEB_PORT to a free port",
            where,
            exc.strerror,
        )
        return None
    # Links to the presenter screen (/qa-screen) use the address people reach it at.
    app.core.qa.web_url = settings.web_base(port)
    return web


async def _shutdown(app: App) -> None:
    await app.tasks.stop(grace=1.0)  # a SIGHUP reload under way
    if app.cluster is not None:
        await app.cluster.stop()
    if app.relay is not None:
        await app.relay.stop()
    if app.agendas is not None:
        await app.agendas.stop()
    if app.runtime is not None:
        await app.runtime.stop()
    for adapter in reversed(app.adapters):
        try:
            await adapter.stop()
        except Exception:
            log.exception("adapter %s did not stop cleanly", adapter.name)
    if app.web is not None:
        await app.web.stop()
    # Translations under way in the background end before the store they write to.
    await app.core.qa.close()
    await app.store.close()
    log.info("forum-bot stopped")
