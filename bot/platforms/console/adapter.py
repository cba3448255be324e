"""The terminal adapter: the embedded default, so `forum-bot run` works with no tokens.

It reads one command per line from standard input (a person at a prompt, or a pipe for
scripts) and prints the answers; posts the bot makes on its own print with their channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import logging
import queue
import re
import shutil
import sys
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.core.dispatch import Core
from bot.core.model import (
    Action,
    Attachment,
    Button,
    ChannelRef,
    Reply,
    Role,
    Text,
    UserRef,
    plain,
    roles_up_to,
)
from bot.core.paging import PageLimits
from bot.i18n import Translator
from bot.platforms.base import SentMessage, without_form
from bot.storage.files import write_whole

log = logging.getLogger(__name__)

PLATFORM = "console"
# Escape sequences and control characters never reach the terminal, whatever their source.
_UNSAFE = re.compile(
    r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
_QUIT = {"/quit", "/exit", "quit", "exit"}
# The commands whose answer is a file: only their lines may end with "> PATH" (">| PATH"
# replaces a file there), so a '>' in a question or a search stays part of the text.
_FILE_COMMANDS = frozenset({"ics", "qa-export", "poll-export"})
_REDIRECT = re.compile(r"\s>(\|?)\s*(\S.*?)\s*$")


@dataclasses.dataclass(frozen=True)
class SaveTo:
    """Where the person asked a file to go ("> PATH"), and whether it may replace one."""

    path: Path
    replace: bool = False


def safe(text: str) -> str:
    """Text that cannot move the cursor, change colours or reorder what is shown."""
    return _UNSAFE.sub("", text)


def render(reply: Reply) -> str:
    """A reply as lines of plain text."""
    out: list[str] = []
    if reply.text:
        out.append(plain(reply.text))
    card = reply.card
    if card is not None:
        out.append(card.title)
        out.append("-" * min(max(_width(card.title), 8), 60))
        for field in card.fields:
            out.append(f"{field.name}: {plain(field.value)}")
        for line in card.lines:
            out.append(f"  {plain(line)}")
        if card.footer:
            out.append(f"({card.footer})")
    if reply.file is not None:
        out.append(f"[file: {reply.file.filename}, {len(reply.file.data)} bytes]")
    if reply.form is not None and reply.form.fallback:
        # No forms in a terminal: how to do the same by command.
        out.append(plain(reply.form.fallback))
    return safe("\n".join(out))


def screen_limits(columns: int, rows: int) -> PageLimits:
    """A page of a long answer that fits one screen: each line costs the rows it takes
    wrapped at `columns`; six rows stay free for the rule under the title, the buttons'
    line (up to three rows), the blank line after the answer and the prompt."""
    columns = max(columns, 20)

    def rows_of(text: Text) -> int:
        # Lines are indented by two; the footer's brackets take as much.
        line = plain(text)
        width = len(line) if line.isascii() else _width(line)
        return max(1, -(-(width + 2) // columns))

    return PageLimits(max(rows - 6, 4), rows_of)


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ConsoleAdapter:
    """A prompt on standard input and output."""

    name = PLATFORM

    def __init__(
        self,
        core: Core,
        *,
        role: Role = Role.PARTICIPANT,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        on_exit: Callable[[], None] | None = None,
        screen: tuple[int, int] | None = None,
        folder: Path | None = None,
        ready: asyncio.Event | None = None,
    ) -> None:
        self.core = core
        self.role = role
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._on_exit = on_exit
        self._interactive = self._in.isatty()
        self._lines = _LineReader(self._in)
        self._task: asyncio.Task[None] | None = None
        self._buttons: tuple[Button, ...] = ()
        self._count = 0
        self.user = UserRef(PLATFORM, _login(), _login())
        self.channel = ChannelRef(PLATFORM, "terminal", "terminal")
        self.roles = roles_up_to(role)
        # (columns, rows) of the screen pages are cut for; None: the terminal's own.
        self._screen = screen
        # Where files in answers are saved unless the line says; None: the working directory.
        self._folder = folder
        # Set when the rest of the bot is up: the first line waits for it (None: at once).
        self._ready = ready
        self._fit_screen()

    async def start(self) -> None:
        """Greet and begin reading commands in the background."""
        t = await self.core.translator_for(self.user)
        self._print(t("console.welcome", event=t.pick(self.core.agenda.event.name)))
        self._task = asyncio.create_task(self._loop(), name="console")

    async def stop(self) -> None:
        """Stop reading. A read still blocked (stdin open and quiet) ends with the process."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def wait(self) -> None:
        """Until the person leaves (EOF or /quit)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def post(
        self, channel: str, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Print a post the bot makes on its own, with its channel."""
        self._print(f"[#{safe(channel)}] {await self._render(reply)}")
        return self._sent(channel)

    async def dm(
        self, user: UserRef, reply: Reply, *, key: str | None = None, first_attempt: bool = True
    ) -> SentMessage:
        """Print a direct message, with its recipient."""
        self._print(f"[DM to {safe(user.name or user.id)}] {await self._render(reply)}")
        return self._sent(f"dm:{user.id}")

    async def edit(self, sent: SentMessage, reply: Reply) -> None:
        """A terminal cannot change what it printed: print the new version, marked."""
        self._print(f"[#{safe(sent.channel_id)}, edited] {render(reply)}")

    def _sent(self, channel: str) -> SentMessage:
        self._count += 1
        return SentMessage(PLATFORM, channel, str(self._count))

    async def _loop(self) -> None:
        try:
            if self._ready is not None:
                await self._ready.wait()
            while True:
                if self._interactive:
                    self._out.write("forum-bot> ")
                    self._out.flush()
                line = await self._lines.readline()
                if not line:
                    break
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                if not self._interactive:
                    # A scripted session reads as a transcript: each command, then its answer.
                    self._print(f"> {safe(line)}")
                if line.strip().lower() in _QUIT:
                    break
                await self.handle(line)
        except Exception:
            log.exception("the terminal stopped reading")
        finally:
            if self._on_exit is not None:
                self._on_exit()

    def _fit_screen(self) -> None:
        """Tell the core how much a page holds here: a screenful, as large as the terminal
        is now (it may have been resized); 80 by 24 where the output is no terminal."""
        columns, rows = self._screen or shutil.get_terminal_size((80, 24))
        self.core.page_limits[PLATFORM] = screen_limits(columns, rows)

    async def handle(self, line: str) -> Reply:
        """Answer one typed line and print the answer."""
        self._fit_screen()
        text = line.strip()
        save_to: SaveTo | None = None
        if re.fullmatch(r"!\d{1,3}", text):
            reply = await self._press(int(text[1:]))
        elif text.startswith("/"):
            text, save_to = self._save_to(text)
            reply = await self.core.dispatch_text(
                PLATFORM, text, self.user, self.channel, self.roles
            )
        else:
            t = await self.core.translator_for(self.user)
            reply = Reply(t("console.not_command"), error=True)
        await self._show(reply, save_to)
        return reply

    def _save_to(self, line: str) -> tuple[str, SaveTo | None]:
        """A file command's line without its "> PATH", and where that says to save."""
        m = _REDIRECT.search(line)
        name = line.lstrip("/").split(maxsplit=1)[0] if line.strip("/ ") else ""
        spec = self.core.spec(name)
        if m is None or spec is None or spec.name not in _FILE_COMMANDS:
            return line, None
        path = m.group(2)
        if len(path) > 1 and path[0] == path[-1] and path[0] in "\"'":
            path = path[1:-1]  # "/ics all > 'my calendar.ics'"
        try:
            where = Path(path).expanduser()
        except RuntimeError:  # "~nobody/x.ics": no such home; the write then says so
            where = Path(path)
        return line[: m.start()], SaveTo(where, bool(m.group(1)))

    async def _press(self, number: int) -> Reply:
        if not 1 <= number <= len(self._buttons):
            t = await self.core.translator_for(self.user)
            return Reply(t("console.no_button", number=number), error=True)
        button = self._buttons[number - 1]
        act = Action(PLATFORM, button.action_id, button.value, self.user, self.channel, self.roles)
        return await self.core.on_action(act)

    async def _show(self, reply: Reply, save_to: SaveTo | None = None) -> None:
        if reply.form is not None:
            t = await self.core.translator_for(self.user)
            reply = without_form(reply, t("form.unavailable"))
        text = await self._render(reply, save_to)
        if reply.buttons:
            self._buttons = reply.buttons
            t = await self.core.translator_for(self.user)
            labels = "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, 1))
            text += "\n" + safe(t("console.buttons", buttons=labels))
        self._print(text)

    def _print(self, text: str) -> None:
        self._out.write(text + "\n\n")
        self._out.flush()

    async def _render(self, reply: Reply, save_to: SaveTo | None = None) -> str:
        """A reply as text; a file it carries is saved, and the text says where."""
        if reply.file is None:
            return render(reply)
        t = await self.core.translator_for(self.user)
        said = save_file(reply.file, save_to, self._folder or Path.cwd(), t)
        return render(dataclasses.replace(reply, file=None)) + "\n" + safe(said)


def save_file(file: Attachment, save_to: SaveTo | None, folder: Path, t: Translator) -> str:
    """Save a file from an answer and say where: in `folder` under its own name, or at the
    path the person gave (a folder: under its own name there). An existing file is never
    replaced unless they wrote ">|": a name of the folder's own gets -2, -3, ...; a path
    they named is refused. Nothing half-written is left behind."""
    own = Path(file.filename).name
    if own in ("", ".", ".."):
        own = "download"
    target = save_to.path if save_to is not None else folder / own
    named = save_to is not None and not target.is_dir()
    if not named:
        target = target / own if save_to is not None else target
    try:
        if save_to is not None and save_to.replace and named:
            write_whole(target, file.data)
        else:
            target = _create(target, file.data, numbered=not named)
    except FileExistsError:
        return t("console.file_exists", path=str(target.absolute()))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return t("console.file_failed", path=str(target.absolute()), reason=reason)
    return t("console.file_saved", name=own, size=len(file.data), path=str(target.absolute()))


def _create(path: Path, data: bytes, *, numbered: bool) -> Path:
    """Write a new file (never over one): at `path`, or, `numbered`, at the first free
    name of path, path-2, path-3, ... Returns where it went."""
    for n in range(1, 1000):
        candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            handle = candidate.open("xb")  # exclusive: fails if the file appeared meanwhile
        except FileExistsError:
            if not numbered:
                raise
            continue
        try:
            with handle:
                handle.write(data)
        except BaseException:
            candidate.unlink(missing_ok=True)
            raise
        return candidate
    raise FileExistsError(path)


# A request for a line: where to hand it, and the future the reader awaits.
_Ask = tuple[asyncio.AbstractEventLoop, asyncio.Future[str]]


class _LineReader:
    """The lines of a text stream, each read on a daemon thread when asked for.

    Not the loop's executor (`run_in_executor`, `asyncio.to_thread`): its threads are joined
    at exit, so a read blocked on an open pipe or a quiet terminal kept the process alive
    after SIGTERM or Ctrl-C until stdin closed. Not the loop's own reader (`add_reader`,
    `connect_read_pipe`): that needs a pollable descriptor (not a file, /dev/null or a
    StringIO) and makes it non-blocking, which on a terminal also makes stdout (the same
    open file) non-blocking, and the shell's terminal after exit. A daemon thread reads any
    stream exactly as `readline()` does, one line per request (no further ahead than
    before), and a read still blocked at exit does not hold the process.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._asks: queue.SimpleQueue[_Ask] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def readline(self) -> str:
        """The next line with its newline; "" at the end of the stream."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._asks.put((loop, future))
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="console stdin", daemon=True)
            self._thread.start()
        return await future

    def _serve(self) -> None:
        while True:
            loop, future = self._asks.get()
            outcome: str | Exception
            try:
                outcome = self._stream.readline()
            except Exception as exc:  # e.g. bytes that are not UTF-8: the loop logs it
                outcome = exc
            try:
                loop.call_soon_threadsafe(_settle, future, outcome)
            except RuntimeError:  # the loop has closed: nobody is waiting any more
                return


def _settle(future: asyncio.Future[str], outcome: str | Exception) -> None:
    """Hand a line read (or the error reading it) to its reader, on the loop's thread."""
    if future.done():  # cancelled: the terminal is stopping
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "local"
