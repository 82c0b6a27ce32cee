"""The status page in a real browser: `notifier run` serves it, headless Chromium (Debian's
`chromium`) renders it at 1280 and 390 px, a level an operator sets through the API shows on
it, and nothing is wider than a phone's screen."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.test_status_page import DOUBTFUL, EVIL, FEED, ORANGE_ALMATY, gone_endpoint, site_config

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ADMIN = "ntf_browser-test-admin-token-000000000000"  # NOTIFIER_ADMIN_TOKEN of the run
AUTH = {"Authorization": f"Bearer {ADMIN}"}
# What the operator announces: a country the sources never mention.
ANNOUNCED = {"scheme": "uk", "area": "GB", "level": "substantial", "note": "JTAC, by phone"}

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (Debian: apt-get install chromium): "
        "the status page browser test is skipped",
    ),
    pytest.mark.timeout(300),
]

# A page that frames a copy of the status page exactly 390 px wide and writes what it
# measured into its own DOM, which --dump-dom carries out. (Headless Chromium keeps its window
# at least 500 px wide, so the window alone cannot be a phone; a screenshot is resized.)
FRAME = """<!doctype html><html><body style="margin:0">
<iframe id="page" src="/page" width="390" height="2000" style="border:0"></iframe>
<script>
window.addEventListener("load", () => {
  const doc = document.getElementById("page").contentDocument, root = doc.documentElement;
  const width = root.clientWidth;
  const wide = [...doc.querySelectorAll("body *")]
    .filter(e => !e.closest(".scroll") && e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8).map(e => e.tagName.toLowerCase() + "." + e.className + " " +
      Math.round(e.getBoundingClientRect().right));
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({scrollWidth: root.scrollWidth, clientWidth: width,
                                    levels: doc.querySelectorAll(".area").length, wide: wide});
  document.body.appendChild(out);
});
</script></body></html>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


async def chromium(profile: Path, width: int, *args: str) -> str:
    """One headless Chromium run; its stdout. Killed with its children if it hangs."""
    assert CHROMIUM is not None
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={width},2000",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise AssertionError(f"chromium {' '.join(args)} did not finish in 120 s") from None
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


@contextlib.asynccontextmanager
async def notifier_run(tmp_path: Path, hook_url: str) -> AsyncIterator[str]:
    """`notifier run` on a config with four sources and a gone webhook endpoint."""
    config = tmp_path / "notifier.yaml"
    config.write_text(site_config(tmp_path, hook_url))
    (tmp_path / "inbox" / "almaty.txt").write_text(ORANGE_ALMATY)
    (tmp_path / "inbox" / "feed.xml").write_text(FEED)
    (tmp_path / "gossip" / "evil.txt").write_text(EVIL)
    (tmp_path / "doubtful" / "aktobe.txt").write_text(DOUBTFUL)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "NOTIFIER_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifier.cli",
        "run",
        "--config",
        str(config),
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path / "data"),
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1", "NOTIFIER_ADMIN_TOKEN": ADMIN},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
        except TimeoutError:
            proc.kill()
            out, _ = await proc.communicate()
        assert proc.returncode == 0, out.decode(errors="replace")[-3000:]


async def wait_until(
    base: str, path: str, ready: Callable[[Any], bool], timeout_s: float = 40.0
) -> None:
    """Until GET path answers JSON that `ready` accepts (the sources poll on their own)."""
    deadline = time.monotonic() + timeout_s
    data: Any = None
    async with aiohttp.ClientSession(headers=AUTH) as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(base + path) as r:
                    if r.status == 200:
                        data = await r.json()
                        if ready(data):
                            return
            await asyncio.sleep(0.3)
    raise AssertionError(f"{path} not ready after {timeout_s} s: {data}")


@contextlib.asynccontextmanager
async def measuring_frame(html: str) -> AsyncIterator[str]:
    """`FRAME` and a copy of the page's HTML from one origin, so the frame can be measured.
    The page has no external assets, so the copy lays out as the original does."""

    async def frame(request: web.Request) -> web.Response:
        return web.Response(text=FRAME, content_type="text/html")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", frame)
    app.router.add_get("/page", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go: `NOTIFIER_SCREENSHOTS` keeps them for a person to look at."""
    folder = Path(os.environ.get("NOTIFIER_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_status_page_in_headless_chromium_at_desktop_and_phone_width(
    tmp_path: Path, shots: Path
) -> None:
    async with gone_endpoint() as (hook_url, _), notifier_run(tmp_path, hook_url) as base:
        # Every source has been read: both inbox files, the media report, the doubtful one,
        # the missing folder; and the endpoint has answered 410.
        await wait_until(base, "/api/levels", lambda d: len(d["levels"]) == 3)
        await wait_until(base, "/api/reports", lambda d: len(d["reports"]) == 1)
        await wait_until(base, "/api/review", lambda d: len(d["review"]) == 1)
        await wait_until(base, "/api/deliveries?status=dead", lambda d: bool(d["deliveries"]))
        await wait_until(
            base,
            "/api/sources",
            lambda d: {s["id"]: s["status"] for s in d["sources"]}["broken"] == "failing",
        )
        # The operator's own announcement, through the API with the admin token.
        async with (
            aiohttp.ClientSession(headers=AUTH) as s,
            s.post(base + "/api/announcements", json=ANNOUNCED) as r,
        ):
            assert r.status == 200, await r.text()
        await wait_until(base, "/api/levels", lambda d: len(d["levels"]) == 4)
        async with aiohttp.ClientSession() as s, s.get(base + "/") as r:
            html = await r.text()
        (shots / "status.html").write_text(html)  # next to the screenshots, for a person

        for width in (1280, 390):
            png = shots / f"status-{width}.png"
            await chromium(tmp_path / f"profile-{width}", width, f"--screenshot={png}", base + "/")
            assert png_size(png) == (width, 2000)
            assert png.stat().st_size > 20_000  # a rendered page, not a blank one

        dom = await chromium(tmp_path / "profile-dom", 390, "--dump-dom", base + "/")
        # The levels set through the sources are in the DOM the browser built.
        almaty = dom.split('<span class="area-name">Almaty</span>')[1].split("</li>")[0]
        assert (
            '<span class="badge sev-extreme">red<span class="badge-sub"> · extreme · 3 of 3'
            in almaty
        )
        assert "Inherited from <strong>Kazakhstan</strong>" in almaty
        assert '<span class="badge sev-severe">orange' in almaty
        # So is the one the operator set through the API.
        britain = dom.split('<span class="area-name">United Kingdom</span>')[1].split("</li>")[0]
        assert '<span class="badge sev-moderate">substantial' in britain, britain
        # The media report's markup stayed text: no script element was ever created from it.
        assert '&lt;script&gt;alert("x")&lt;/script&gt;' in dom
        assert "<script" not in dom
        # The operator's lists are filled from the same run.
        assert "Unconfirmed (1)" in dom and "Review (1)" in dom
        assert re.search(r"Dead letters \([1-9]\d*\)", dom)
        assert '<span class="kind">failing</span>' in dom

        async with measuring_frame(html) as url:
            measured_dom = await chromium(
                tmp_path / "profile-measure", 1280, "--virtual-time-budget=5000", "--dump-dom", url
            )
    found = re.search(r'<pre id="measured">(.*?)</pre>', measured_dom)
    assert found, "the measuring script did not run"
    measured = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert measured["clientWidth"] == 390 and measured["levels"] == 4, measured
    # Nothing wider than the phone's screen: no horizontal scrolling of the page.
    assert measured["scrollWidth"] <= measured["clientWidth"], measured
    assert measured["wide"] == [], measured
