"""The Dockerfile, read as Docker reads it (there is no Docker daemon in CI): a pinned base
image, dependencies in a layer of their own, and a health check that follows the port."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def health_command() -> str:
    """The shell command the HEALTHCHECK runs."""
    (check,) = [args for word, args in instructions() if word == "HEALTHCHECK"]
    options, sep, command = check.partition(" CMD ")
    assert sep and "--timeout=" in options, check
    return command


def test_the_image_runs_as_non_root_with_a_volume() -> None:
    steps = instructions()
    assert ("USER", "forumbot") in steps and ("VOLUME", '["/data"]') in steps


def test_the_base_image_is_pinned_to_a_patch_version() -> None:
    froms = [args for word, args in instructions() if word == "FROM"]
    assert len(froms) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", froms[0]), froms[0]


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    steps = instructions()
    copies = [(n, args) for n, (word, args) in enumerate(steps) if word == "COPY"]
    runs = [(n, args) for n, (word, args) in enumerate(steps) if word == "RUN"]
    first_code = min(n for n, args in copies if re.search(r"\b(bot|commands|config)\b", args))
    ((pyproject, sources),) = [(n, args) for n, args in copies if "pyproject.toml" in args]
    assert sources.split()[:-1] == ["pyproject.toml"], "pyproject.toml alone"
    deps = [n for n, args in runs if "pip install" in args and pyproject < n < first_code]
    assert deps, "no pip install between COPY pyproject.toml and the code"
    after = [args for n, args in runs if n > first_code and "pip install" in args]
    assert after and all("--no-deps" in args for args in after), after
    # The dependency step installs pyproject's lists, the build system's too (the code's
    # install then needs nothing from the network).
    assert "['project']['dependencies']" in steps[deps[0]][1]
    assert "['build-system']['requires']" in steps[deps[0]][1]
    assert all("--no-build-isolation" in args for args in after)


def test_the_health_check_asks_the_port_the_bot_serves() -> None:
    command = health_command()
    assert not command.startswith("["), "shell form, so that the port is read at run time"
    assert command.startswith("python -c ")  # the slim image has no curl
    assert "/healthz" in command
    default = Settings.model_fields["web_port"].default
    assert command.endswith(f'"${{FORUM_BOT_WEB_PORT-{default}}}"'), command
    env = {word: args for word, args in instructions() if word == "ENV"}["ENV"]
    assert f"FORUM_BOT_WEB_PORT={default}" in env


class Health:
    """A /healthz that answers `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.port = 0


@pytest_asyncio.fixture
async def health() -> AsyncIterator[Health]:
    state = Health()

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, status=state.status)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state.port = int(runner.addresses[0][1])
    yield state
    await runner.cleanup()


async def run_check(port: str | None) -> int:
    """The health check's exit status, run by sh as Docker runs it, with this Python."""
    env = {k: v for k, v in os.environ.items() if k != "FORUM_BOT_WEB_PORT"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if port is not None:
        env["FORUM_BOT_WEB_PORT"] = port
    check = await asyncio.create_subprocess_exec("sh", "-c", health_command(), env=env)
    return await asyncio.wait_for(check.wait(), 30)


@pytest.mark.parametrize("status", [200, 503])
async def test_the_health_check_follows_the_port_and_the_answer(
    health: Health, status: int
) -> None:
    health.status = status
    assert await run_check(str(health.port)) == (0 if status == 200 else 1)


async def test_the_health_check_with_the_web_server_off_or_nothing_listening() -> None:
    assert await run_check("off") == 0
    assert await run_check("") == 0
    with socket.socket() as free:  # a port nothing listens on once closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert await run_check(str(port)) != 0


def test_compose_runs_two_bots_on_postgresql_behind_a_proxy() -> None:
    """compose.yaml, read as Compose reads it: PostgreSQL, two bots sharing it (each
    waiting for it to be healthy, each refusing to start without the secrets), and a
    proxy spreading the web between them."""
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert sorted(services) == ["bot1", "bot2", "db", "proxy"]
    assert services["db"]["image"].startswith("postgres:")
    for name in ("bot1", "bot2"):
        bot = services[name]
        assert bot["build"] == "."
        assert bot["depends_on"]["db"]["condition"] == "service_healthy"
        env = bot["environment"]
        assert env["FORUM_BOT_DATABASE_URL"].startswith("postgresql://forum:")
        assert env["FORUM_BOT_DATABASE_URL"].endswith("@db:5432/forum")
        assert env["FORUM_BOT_SECRET"] == "${FORUM_BOT_SECRET:?set FORUM_BOT_SECRET}"
    command = services["proxy"]["command"]
    targets = [command[i + 1] for i, word in enumerate(command) if word == "--to"]
    assert targets == ["bot1:8080", "bot2:8080"]
    # The port the proxy sends to is the one the image serves.
    assert "FORUM_BOT_WEB_PORT=8080" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
