"""Benchmark of a workshop's load: N participants open a dashboard at once.

For each mode (kernels started on demand, then preheated), the workshop server
starts on a free local port; N headless browser pages open the same dashboard
at the same moment; each page's time to interactive is the time until the
exercise's check button can be clicked. Memory per participant is the resident
memory of the kernels divided by the number of participants. Everything stays
on this machine (127.0.0.1).
"""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .bench import part, percentiles

PARTICIPANTS = int(os.environ.get("REINTEGRA_BENCH_PARTICIPANTS", "30"))
TIMEOUT_MS = 240_000  # a participant still waiting after 4 minutes has not got in
PAGES_PER_BROWSER = 4
DASHBOARD = os.environ.get("REINTEGRA_BENCH_DASHBOARD", "three-dimensions")
BUTTON = {"three-dimensions": "Check my answers"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            kids = []
        for kid in map(int, kids):
            found.append(kid)
            frontier.append(kid)
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _kernels(server_pid: int) -> list[int]:
    kernels = []
    for pid in _children(server_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmdline:
            kernels.append(pid)
    return kernels


def _wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:  # noqa: BLE001 - the server is still starting
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not start")


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def _wait_preheated(server_pid: int, wanted: int, timeout: float = 600) -> float:
    """Wait until the pool holds ``wanted`` kernels and they have gone quiet."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        kernels = _kernels(server_pid)
        if len(kernels) >= wanted:
            before = _cpu_ticks(kernels)
            time.sleep(3)
            if _cpu_ticks(kernels) - before < 10:  # under 0.1 s of CPU in 3 s: idle
                return time.monotonic() - start
        else:
            time.sleep(1)
    return time.monotonic() - start


async def _participants(url: str, count: int, button: str) -> tuple[list[float], int]:
    """``count`` participants open ``url`` at once; seconds until each one's button is there.

    Participants come on their own devices; one browser limits its connections
    to a host (six at a time), which would queue them here. So the pages are
    spread over several browsers, a few pages each, as several devices would be.
    """
    from playwright.async_api import async_playwright

    from .devtools import CHROMIUM_ARGS, chromium_path

    args = CHROMIUM_ARGS + ["--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                            "--disable-backgrounding-occluded-windows"]
    async with async_playwright() as playwright:
        browsers = [await playwright.chromium.launch(executable_path=chromium_path(), args=args)
                    for _ in range((count + PAGES_PER_BROWSER - 1) // PAGES_PER_BROWSER)]
        pages = []
        for i in range(count):
            context = await browsers[i // PAGES_PER_BROWSER].new_context()
            pages.append(await context.new_page())

        async def one(page) -> float | None:
            start = time.perf_counter()
            try:
                await page.goto(url, timeout=TIMEOUT_MS)
                await page.locator("button", has_text=button).wait_for(state="visible", timeout=TIMEOUT_MS)
                return time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001 - counted as a participant who did not get in
                print(f"    participant failed: {str(exc).splitlines()[0][:200]}", file=sys.stderr)
                return None

        results = await asyncio.gather(*(one(page) for page in pages))
        for browser in browsers:
            await browser.close()
    times = [r for r in results if r is not None]
    return times, count - len(times)


def _run_mode(root: Path, pool: int, participants: int) -> dict:
    from .workshop import Settings, voila_command

    # As a trainer would for a session on one exercise: the pool serves that exercise,
    # and used kernels are not replaced while the participants arrive.
    settings = Settings(lang="en", port=_free_port(), pool=pool, preheat=DASHBOARD, fill_delay=600)
    with tempfile.TemporaryDirectory() as tmp:
        command, env, url, _ = voila_command(settings, root, Path(tmp))
        env["JUPYTER_RUNTIME_DIR"] = tmp
        server = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_http(url)
            warm = _wait_preheated(server.pid, pool) if pool else 0.0
            target = f"{url}voila/render/{DASHBOARD}.ipynb?lang=en"
            start = time.perf_counter()
            times, failed = asyncio.run(_participants(target, participants, BUTTON.get(DASHBOARD, "")))
            wall = time.perf_counter() - start
            kernels = _kernels(server.pid)
            kernel_mb = sum(_rss_mb(pid) for pid in kernels)
            server_mb = _rss_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    figures = {
        "participants": participants,
        "reached_interactive": len(times),
        "failed": failed,
        "all_wall_s": round(wall, 2),
        "kernels_running": len(kernels),
        "memory_per_participant_mb": round(kernel_mb / max(participants, 1), 1),
        "server_memory_mb": round(server_mb, 1),
    }
    if pool:
        figures["preheat_time_s"] = round(warm, 1)
    if times:
        pct = percentiles(times)
        figures["time_to_interactive_median_s"] = round(pct["median_ms"] / 1000, 2)
        figures["time_to_interactive_p95_s"] = round(pct["p95_ms"] / 1000, 2)
    return figures


@part("workshop")
def bench_workshop(root: Path) -> dict:
    """30 participants open a dashboard at once, with and without preheated kernels."""
    cold = _run_mode(root, pool=0, participants=PARTICIPANTS)
    warm = _run_mode(root, pool=PARTICIPANTS, participants=PARTICIPANTS)
    figures = {f"on_demand_{k}": v for k, v in cold.items()}
    figures.update({f"preheated_{k}": v for k, v in warm.items()})
    if cold.get("time_to_interactive_median_s") and warm.get("time_to_interactive_median_s"):
        figures["median_speed_up_preheated"] = round(
            cold["time_to_interactive_median_s"] / warm["time_to_interactive_median_s"], 2)
    return figures
