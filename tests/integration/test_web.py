"""The web server's /healthz, on a free port on 127.0.0.1."""

from __future__ import annotations

import aiohttp

from bot.storage import Store
from bot.web.server import WebServer


async def test_healthz_reports_ok_and_then_failure(store: Store) -> None:
    healthy = True

    async def health() -> dict[str, object]:
        if not healthy:
            raise OSError("database gone")
        await store.fetchone("SELECT 1")
        return {"status": "ok", "sessions": 13}

    web = WebServer("127.0.0.1", 0, health)
    port = await web.start()
    assert port > 0
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200
                assert (await resp.json()) == {"status": "ok", "sessions": 13}
            healthy = False
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 503
                body = await resp.json()
                assert body["status"] == "error" and "database gone" not in str(body)
            async with http.get(f"http://127.0.0.1:{port}/nothing") as resp:
                assert resp.status == 404
    finally:
        await web.stop()
