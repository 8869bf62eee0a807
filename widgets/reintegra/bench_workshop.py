"""Benchmark of a workshop's load: N participants open a dashboard at once.

For each mode (kernels started on demand, then preheated), the workshop server
starts on a free local port and N participants open the *three dimensions*
dashboard at the same moment, half in English and half in French. Each one
waits for the *Check my answers* button (the dashboard is interactive), then
answers the first need, clicks the button and waits for the summary computed by
their kernel, which must be the right one for their answer and language.

In a workshop, each participant's browser runs on their own phone or laptop;
only the server runs on the trainer's laptop. So most participants here use a
client that makes the same requests as the dashboard's page (the page, its
scripts, styles and fonts as recorded from a real browser, the kernel's
websocket and the widgets' messages) without drawing anything
(:mod:`reintegra.workshop.participant`); a few use real headless Chromium, on
this same machine, to check that the page is usable under that load.

Memory per participant is the median resident memory of the participants'
kernels. With kernels on demand, each participant then reloads the page twice
(a browser's reload sends the page's shutdown call, which frees the old
kernel): the memory of the server and its kernels after the reloads is
compared with the memory after the first load. Everything stays on this
machine (127.0.0.1).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from .bench import part, percentiles
from .i18n import current_lang, messages
from .workshop import descendants

M = messages(
    "bench_workshop",
    {
        "no_start": "{url} did not start",
        "not_warm": "only {warm} of {wanted} kernels were preheated after {timeout} s",
        "failed": "participant {number}: {error}",
        "wrong_summary": "wrong summary {summary}",
    },
)

PARTICIPANTS = int(os.environ.get("REINTEGRA_BENCH_PARTICIPANTS", "30"))
BROWSERS = int(os.environ.get("REINTEGRA_BENCH_BROWSERS", "3"))  # of the participants, on real Chromium
TIMEOUT_S = 240  # a participant still waiting after 4 minutes has not got in
DASHBOARD = "three-dimensions"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    for pid in descendants(server_pid):
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
    raise RuntimeError(M("no_start", current_lang(), url=url))


def _wait_preheated(warm_dir: Path, wanted: int, timeout: float = 900) -> float:
    """Wait until ``wanted`` kernels have run the exercise's set-up and wait for a participant."""
    from .preheat import warm_kernels

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if warm_kernels(warm_dir) >= wanted:
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError(M("not_warm", current_lang(), warm=warm_kernels(warm_dir), wanted=wanted, timeout=round(timeout)))


def _language(number: int) -> str:
    return "fr" if number % 2 else "en"


def _answer(number: int) -> int:
    return number % 3


def expected_summary(number: int) -> str:
    """The summary participant ``number`` must get: first need answered, the rest blank."""
    from . import dimensions
    from .ui.dimension_sort import summary_text

    answers = {need.id: None for need in dimensions.NEEDS}
    answers[dimensions.NEEDS[0].id] = dimensions.DIMENSIONS[_answer(number)]
    return summary_text(dimensions.check(answers), _language(number))


def _chromium_args() -> list[str]:
    from .devtools import CHROMIUM_ARGS

    return CHROMIUM_ARGS + ["--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                            "--disable-backgrounding-occluded-windows"]


def record_assets(url: str, browser=None) -> list[str]:
    """The paths of the scripts, styles and fonts that a real browser downloads for the dashboard.

    ``browser`` is a Playwright (sync) browser to use; without it, one is started.
    """
    from .ui.common import M as UI

    def record(browser) -> list[str]:
        paths: list[str] = []
        context = browser.new_context()
        page = context.new_page()

        def seen(request) -> None:
            path = urlsplit(request.url)
            if path.scheme.startswith("http") and "/api/" not in path.path and "/render/" not in path.path:
                paths.append(path.path + (f"?{path.query}" if path.query else ""))

        page.on("requestfinished", seen)
        page.goto(url, timeout=TIMEOUT_S * 1000)
        page.locator("button", has_text=UI("check", "en")).wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        page.wait_for_load_state("networkidle")
        context.close()
        return sorted(set(paths))

    if browser is not None:
        return record(browser)
    from playwright.sync_api import sync_playwright

    from .devtools import chromium_path

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=_chromium_args())
        try:
            return record(browser)
        finally:
            browser.close()


async def _open_pages(playwright, count: int) -> list:
    """One Chromium per participant on a real browser (one device each), a blank page in each."""
    from .devtools import chromium_path

    pages = []
    for _ in range(count):
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=_chromium_args())
        page = await (await browser.new_context()).new_page()
        page.console_seen = []  # what the page said, for a failure's log
        page.on("console", lambda message, page=page: page.console_seen.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error, page=page: page.console_seen.append(f"error: {error}"))
        pages.append(page)
    return pages


async def _on_browser(page, url: str, number: int) -> dict:
    """A participant on real Chromium: the button, one answer, the click, the summary."""
    from .ui.common import M as UI

    lang, timeout = _language(number), TIMEOUT_S * 1000
    start = time.perf_counter()
    result: dict = {"browser": True}
    step = "page"
    try:
        await page.goto(f"{url}?lang={lang}", timeout=timeout)
        step = "check button"
        button = page.locator("button", has_text=UI("check", lang))
        await button.wait_for(state="visible", timeout=timeout)
        result["ready_s"] = time.perf_counter() - start
        step = "answer and click"
        await page.locator(".widget-toggle-buttons").first.locator("button").nth(_answer(number)).click()
        await button.click()
        step = "summary"
        summary = expected_summary(number)
        await page.get_by_text(summary).wait_for(state="visible", timeout=timeout)
        result["feedback_s"] = time.perf_counter() - start
        result["summary"] = summary
    except Exception as exc:  # noqa: BLE001 - counted as a participant who did not get in
        result["error"] = f"{step}: {str(exc).splitlines()[0][:200]}"
        if os.environ.get("REINTEGRA_BENCH_LOGS"):
            folder = Path(os.environ["REINTEGRA_BENCH_LOGS"])
            await page.screenshot(path=str(folder / f"participant-{number}.png"))
            (folder / f"participant-{number}.console.txt").write_text("\n".join(page.console_seen))
            (folder / f"participant-{number}.html").write_text(await page.content())
    return result


async def _reload_browser(page, number: int, reloads: int) -> bool:
    """A participant on Chromium reloads the page (its beforeunload frees its kernel) and waits for the button."""
    from .ui.common import M as UI

    try:
        for _ in range(reloads):
            await page.reload(timeout=TIMEOUT_S * 1000)
            await page.locator("button", has_text=UI("check", _language(number))).wait_for(
                state="visible", timeout=TIMEOUT_S * 1000)
        return True
    except Exception as exc:  # noqa: BLE001 - counted as a reload that failed
        print(f"    participant {number}: {str(exc).splitlines()[0][:200]}", file=sys.stderr)
        return False


async def _reload_client(url: str, seen, number: int, reloads: int, assets: list[str]) -> bool:
    """A participant without a browser leaves the page as a browser does, then opens it again."""
    from .workshop.participant import leave, visit

    for _ in range(reloads):
        await leave(url, seen)
        seen = await visit(f"{url}?lang={_language(number)}", lang=_language(number), assets=assets,
                           answer_index=_answer(number), timeout=TIMEOUT_S)
        if seen.error:
            return False
    return True


async def _participants(url: str, count: int, browsers: int, assets: list[str], reloads: int = 0,
                        measure=None) -> tuple[dict[int, dict], float, dict]:
    """``count`` participants open ``url`` at the same moment: what each one saw, and the time until all were done.
    With ``reloads``, each one then reloads the page that many times; ``measure()`` (the server's memory)
    is taken after the first load and after the reloads."""
    from dataclasses import asdict

    from playwright.async_api import async_playwright

    from .workshop.participant import visit

    memory: dict = {}
    async with async_playwright() as playwright:
        pages = await _open_pages(playwright, browsers)  # the devices are on before the session starts
        start = time.perf_counter()
        results = await asyncio.gather(
            *(_on_browser(page, url, number) for number, page in enumerate(pages)),
            *(visit(f"{url}?lang={_language(n)}", lang=_language(n), assets=assets,
                    answer_index=_answer(n), timeout=TIMEOUT_S) for n in range(browsers, count)))
        wall = time.perf_counter() - start
        if reloads and measure:
            memory["after_first_load_mb"] = measure()
            done = await asyncio.gather(
                *(_reload_browser(page, number, reloads) for number, page in enumerate(pages)),
                *(_reload_client(url, results[n], n, reloads, assets) for n in range(browsers, count)))
            memory["reloads_failed"] = done.count(False)
            await asyncio.sleep(5)  # the last pages' kernels are being shut down
            memory["after_reloads_mb"] = measure()
        for page in pages:
            await page.context.browser.close()
    seen = {}
    for number, result in enumerate(results):
        if not isinstance(result, dict):
            result = {key: value for key, value in asdict(result).items()
                      if value not in (None, "") and key not in ("kernel_id", "cookies")}
        seen[number] = result
    return seen, wall, memory


@contextlib.contextmanager
def _workshop_server(root: Path, settings):
    """The workshop command's server on a free local port: its address, environment and process.
    With ``REINTEGRA_BENCH_LOGS``, its log is kept there."""
    from .workshop import voila_command

    with tempfile.TemporaryDirectory() as tmp:
        command, env, url, _ = voila_command(settings, root, Path(tmp))
        env["JUPYTER_RUNTIME_DIR"] = tmp
        env.pop("REINTEGRA_SERVER_LOG", None)  # everything in the benchmark's log
        log = Path(tmp) / "voila.log"
        with log.open("wb") as handle:
            server = subprocess.Popen(command, cwd=root, env=env, stdout=handle, stderr=subprocess.STDOUT)
        try:
            _wait_http(url)
            yield url, env, server
        finally:
            if os.environ.get("REINTEGRA_BENCH_LOGS"):
                (Path(os.environ["REINTEGRA_BENCH_LOGS"]) / f"voila-pool{settings.pool}.log").write_bytes(log.read_bytes())
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def _server_mb(server_pid: int) -> float:
    """Resident memory of the server and of all its kernels."""
    return round(sum(_rss_mb(pid) for pid in _kernels(server_pid)) + _rss_mb(server_pid))


def _run_mode(root: Path, pool: int, participants: int, browsers: int, assets: list[str], reloads: int = 0) -> dict:
    from .preheat import WARM_DIR_ENV
    from .workshop import Settings

    # As a trainer would for a session on one exercise (``--preheat NAME --pool N``):
    # the pool serves that exercise; used kernels are replaced after the usual delay.
    # Here one machine plays every participant's device: the cap per device is the room's.
    settings = Settings(lang="en", port=_free_port(), pool=pool, preheat=DASHBOARD,
                        per_device=3 * participants, max_kernels=3 * participants)
    with _workshop_server(root, settings) as (url, env, server):
        warm = _wait_preheated(Path(env[WARM_DIR_ENV]), pool) if pool else 0.0
        pooled = _kernels(server.pid)
        seen, wall, memory = asyncio.run(
            _participants(f"{url}voila/render/{DASHBOARD}.ipynb", participants, browsers, assets,
                          reloads=reloads, measure=lambda: _server_mb(server.pid)))
        kernels = _kernels(server.pid)
        # The participants' kernels: the pool's when preheated (new ones are its refill), else all.
        serving = [pid for pid in kernels if pid in pooled] if pool else kernels
        serving_mb = [_rss_mb(pid) for pid in serving]
        total_mb = sum(_rss_mb(pid) for pid in kernels) + _rss_mb(server.pid)
    reached, problems = [], []
    for number, result in sorted(seen.items()):
        if result.get("summary") == expected_summary(number):
            reached.append(result)
        else:
            error = result.get("error") or M("wrong_summary", current_lang(), summary=repr(result.get("summary")))
            problems.append(M("failed", current_lang(), number=number, error=error))
    for problem in problems:
        print(f"    {problem}", file=sys.stderr)
    figures = {
        "participants": participants,
        "on_real_browsers": browsers,
        "reached_interactive": len(reached),
        "failed": len(problems),
        "all_done_s": round(wall, 2),
        "kernels_running": len(kernels),
        "memory_per_participant_mb": round(statistics.median(serving_mb), 1) if serving_mb else None,
        "memory_server_and_kernels_mb": round(total_mb),
    }
    if pool:
        figures["preheat_time_s"] = round(warm, 1)
    if memory:
        figures["memory_after_first_load_mb"] = memory["after_first_load_mb"]
        figures[f"memory_after_{reloads}_reloads_each_mb"] = memory["after_reloads_mb"]
        figures["memory_ratio_reloads_to_first_load"] = round(
            memory["after_reloads_mb"] / max(memory["after_first_load_mb"], 1), 2)
        figures["reloads_failed"] = memory["reloads_failed"]
    for key, label in (("ready_s", "time_to_interactive"), ("feedback_s", "time_to_first_feedback")):
        times = [r[key] for r in reached if key in r]
        if times:
            pct = percentiles(times)
            figures[f"{label}_median_s"] = round(pct["median_ms"] / 1000, 2)
            figures[f"{label}_p95_s"] = round(pct["p95_ms"] / 1000, 2)
        on_browser = [r[key] for r in reached if r.get("browser") and key in r]
        if on_browser and key == "ready_s":
            figures["time_to_interactive_real_browsers_max_s"] = round(max(on_browser), 2)
    if reached:
        figures["downloaded_per_participant_mb"] = round(
            max(r.get("assets_bytes", 0) for r in reached) / 2**20, 2)
    return figures


@part("workshop")
def bench_workshop(root: Path) -> dict:
    """30 participants open a dashboard at once, with and without preheated kernels; without, each
    then reloads the page twice (memory after the reloads against after the first load)."""
    from .workshop import Settings

    browsers = min(BROWSERS, PARTICIPANTS)
    with _workshop_server(root, Settings(lang="en", port=_free_port(), pool=0)) as (url, _, _):
        assets = record_assets(f"{url}voila/render/{DASHBOARD}.ipynb")  # what the page downloads
    # On demand, each participant then reloads twice: their old kernels must be freed.
    cold = _run_mode(root, pool=0, participants=PARTICIPANTS, browsers=browsers, assets=assets, reloads=2)
    warm = _run_mode(root, pool=PARTICIPANTS, participants=PARTICIPANTS, browsers=browsers, assets=assets)
    figures = {"workshop_assets_recorded": len(assets)}
    figures.update({f"on_demand_{k}": v for k, v in cold.items()})
    figures.update({f"preheated_{k}": v for k, v in warm.items()})
    if cold.get("time_to_interactive_median_s") and warm.get("time_to_interactive_median_s"):
        figures["median_speed_up_preheated"] = round(
            cold["time_to_interactive_median_s"] / warm["time_to_interactive_median_s"], 2)
    return figures
