"""The floor for bench/audience.py: the least an aiohttp server can do to broadcast a live
vote count over server-sent events.

One aiohttp application on aiohttp's `AppRunner`/`TCPSite` at 127.0.0.1, on a free port,
on uvloop, with the start-up objects out of the collector's sight (`gc.freeze()`), as
forum-bot runs. It imports nothing of forum-bot's.

- `GET /present/<session>/events`: an SSE stream; the current state at once, then every
  update.
- `POST /_bench/vote` (JSON `device`, `question`): counts the vote in a dict (once per
  device and question) and wakes the broadcaster.
- `GET /_bench/counts`: the counts, `{question id: votes}`.

The broadcaster is one task: it waits for a vote, keeps to the same 5 updates a second
as forum-bot's streams (so both send the same number of frames for the same votes),
builds the state's JSON once (the same shape as forum-bot's presenter stream: the top
ten) and writes the same bytes to every client in turn. No database, no keyed hashes, no
slow-client handling: a floor, not a bot.

    python bench/floor_audience.py QUESTIONS

It prints `listening PORT` when it serves and stops when its stdin closes.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import json
import sys
import time
from typing import Any

from aiohttp import web

RATE = 5  # updates a second, as forum-bot's MAX_UPDATES_PER_SECOND


class Floor:
    """The counts, the connected clients and the one broadcaster."""

    def __init__(self, questions: int) -> None:
        self.votes = dict.fromkeys(range(1, questions + 1), 0)
        self.texts = {n: f"Question {n} of the bench about battery research?" for n in self.votes}
        self.voters: set[tuple[str, int]] = set()
        self.clients: set[web.StreamResponse] = set()
        self.changed = asyncio.Event()
        self.version = 0
        self.frame = self.build()

    def build(self) -> bytes:
        top = heapq.nsmallest(10, self.votes.items(), key=lambda kv: (-kv[1], kv[0]))
        state: dict[str, Any] = {
            "session": "dialogue",
            "open": True,
            "highlight": None,
            "top": [
                {"id": n, "text": self.texts[n], "votes": v, "author": None, "status": "approved"}
                for n, v in top
            ],
            "version": self.version,
        }
        data = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.version}\ndata: {data}\n\n".encode()

    async def broadcast(self) -> None:
        last = 0.0
        while True:
            await self.changed.wait()
            gap = last + 1 / RATE - time.monotonic()
            if gap > 0:
                await asyncio.sleep(gap)
            self.changed.clear()
            self.frame = self.build()
            last = time.monotonic()
            for client in list(self.clients):
                try:
                    await client.write(self.frame)
                except ConnectionError:
                    self.clients.discard(client)

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        await response.write(self.frame)
        self.clients.add(response)
        try:
            await asyncio.Event().wait()  # until the client goes
        finally:
            self.clients.discard(response)
        return response

    async def vote(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = (str(body["device"]), int(body["question"]))
        added = key not in self.voters and key[1] in self.votes
        if added:
            self.voters.add(key)
            self.votes[key[1]] += 1
            self.version += 1
            self.changed.set()
        return web.json_response({"ok": added})

    async def counts(self, request: web.Request) -> web.Response:
        return web.json_response({str(k): v for k, v in self.votes.items() if v})


async def serve(questions: int) -> None:
    floor = Floor(questions)
    app = web.Application()
    app.router.add_get("/present/{session}/events", floor.events)
    app.router.add_post("/_bench/vote", floor.vote)
    app.router.add_get("/_bench/counts", floor.counts)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    broadcaster = asyncio.create_task(floor.broadcast())
    gc.collect()
    gc.freeze()
    print(f"listening {runner.addresses[0][1]}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    broadcaster.cancel()
    await runner.cleanup()


if __name__ == "__main__":
    import resource

    import uvloop

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    uvloop.run(serve(int(sys.argv[1])))
