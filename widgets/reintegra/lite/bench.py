"""``reintegra bench --only lite``: the in-browser exercises, measured.

For the case-assessment dashboard, in one run on one machine:

* time to interactive (the *Check my assessment* button drawn by the widget,
  hence Python running in the page) on a first visit with an empty cache and
  on a second visit with the browser's cache, and the bytes the server sent
  each time (and, for the second, how many requests still reached it: the
  files checked again, answered ``304 Not Modified``). The browser has a
  profile on disk, as a reader's has: its HTTP cache keeps what a reader's
  keeps (a context without a profile caches in memory only, and drops the
  runtime's largest files);
* the 95th percentile of one answer change measured in the browser: from the
  click on an answer to the new chart on the page (the kernel in the page's
  worker computes the scores and draws the chart);
* Voila's time to interactive for the same dashboard with a preheated kernel;
* the runtime's size on disk (and the whole site's);
* a workshop in ``--lite`` mode: 30 participants at once, the server's
  CPU-seconds and bytes per participant, with a few on real Chromium reaching
  interactive (the others download the files a real visit downloads).

Beside each figure, the target it is held to (``*_target``), and the
machine's load (1-minute average) when the part started and ended: on a
shared machine, the times are only comparable at a similar load.
"""
from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from ..bench import part, percentiles

EXERCISE = "case-assessment"
PARTICIPANTS = int(os.environ.get("REINTEGRA_BENCH_PARTICIPANTS", "30"))
BROWSERS = int(os.environ.get("REINTEGRA_BENCH_LITE_BROWSERS", "3"))
TIMEOUT_MS = 600_000
TARGETS = {"first_visit_mb": 40, "first_visit_tti_s": 15, "answer_p95_ms": 150, "second_visit_vs_voila": 1.5}


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _check_label(lang: str = "en") -> str:
    from ..ui.assessment import M as A

    return A("check", lang)


def _ready(page, lang: str = "en") -> None:
    page.locator("button", has_text=_check_label(lang)).wait_for(state="visible", timeout=TIMEOUT_MS)


ANSWER_JS = """async ([label, other]) => {
  const img = () => document.querySelector('.ra-scores img');
  const before = img() && img().getAttribute('src');
  const input = [...document.querySelectorAll('.widget-radio-box label')]
      .find(l => l.textContent.trim() === label).querySelector('input');
  const t0 = performance.now();
  input.click();
  await new Promise((resolve) => {
    const done = () => { const i = img(); return i && i.getAttribute('src') !== before; };
    if (done()) return resolve();
    const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, {subtree: true, childList: true, attributes: true});
  });
  return performance.now() - t0;
}"""


def _visit(context, url: str, stats) -> tuple[float, int, int, object]:
    """Time to interactive, bytes sent by the server and requests that reached it."""
    before, requests = stats.bytes, stats.requests
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, timeout=TIMEOUT_MS)
    _ready(page)
    return time.perf_counter() - start, stats.bytes - before, stats.requests - requests, page


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _answer_changes(page, count: int = 40) -> list[float]:
    """Choose a case, answer three items, then switch one answer back and forth."""
    from ..instrument import load_instrument

    page.locator("select").first.select_option(index=1)  # the first case (0 is "choose a case")
    instrument = load_instrument()
    items = [item for item in instrument.items if item.dimension == "economic"][:3]
    for item in items:
        page.get_by_label(item.options[0].text("en"), exact=True).first.check()
    page.wait_for_timeout(1000)
    first, last = items[0].options[0].text("en"), items[0].options[-1].text("en")
    samples = []
    for i in range(count + 3):
        elapsed = page.evaluate(ANSWER_JS, [last if i % 2 == 0 else first, None])
        if i >= 3:  # warm-up
            samples.append(elapsed / 1000)
    return samples


def _voila_preheated_tti(root: Path, browser) -> float:
    from ..bench_workshop import _free_port, _wait_preheated, _workshop_server
    from ..preheat import WARM_DIR_ENV
    from ..workshop import Settings

    settings = Settings(lang="en", port=_free_port(), pool=1, preheat=EXERCISE)
    with _workshop_server(root, settings) as (url, env, _server):
        _wait_preheated(Path(env[WARM_DIR_ENV]), 1)
        context = browser.new_context()
        page = context.new_page()
        start = time.perf_counter()
        page.goto(f"{url}voila/render/{EXERCISE}.ipynb", timeout=TIMEOUT_MS)
        _ready(page)
        elapsed = time.perf_counter() - start
        context.close()
    return elapsed


def _fetch_all(host: str, port: int, paths: list[str], sent: list[int]) -> None:
    """A participant without a browser: the files a real visit downloads, over one connection."""
    connection = http.client.HTTPConnection(host, port, timeout=300)
    total = 0
    for path in paths:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        total += len(response.read())
    connection.close()
    sent.append(total)


def _lite_workshop(html_dir: Path, paths: list[str], participants: int, browsers: int) -> dict:
    from playwright.sync_api import sync_playwright

    from ..bench_workshop import _chromium_args, _free_port
    from ..devtools import chromium_path

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "reintegra.lite.serve", str(html_dir), "127.0.0.1", str(port)],
                              stdout=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    from ..bench_workshop import _wait_http

    _wait_http(f"{base}/lite/index.html")
    cpu_before = _cpu_seconds(server.pid)
    fetched: list[int] = []
    ready: list[float] = []
    failures: list[str] = []
    start = time.perf_counter()
    threads = [threading.Thread(target=_fetch_all, args=("127.0.0.1", port, paths, fetched))
               for _ in range(participants - browsers)]
    for thread in threads:
        thread.start()
    with sync_playwright() as playwright:
        instances = [playwright.chromium.launch(executable_path=chromium_path(), args=_chromium_args())
                     for _ in range(browsers)]
        pages = [b.new_context().new_page() for b in instances]
        for page in pages:  # start every browser's visit, then wait for each
            page.goto(f"{base}/lite/voici/render/en/{EXERCISE}.html", wait_until="commit", timeout=TIMEOUT_MS)
        for page in pages:
            try:
                _ready(page)
                ready.append(time.perf_counter() - start)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failures.append(str(exc).splitlines()[0][:200])
        for instance in instances:
            instance.close()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    cpu = _cpu_seconds(server.pid) - cpu_before
    server.terminate()
    out, _ = server.communicate(timeout=30)
    import json

    sent = json.loads(out.strip().splitlines()[-1])["bytes"]
    for failure in failures:
        print(f"    lite participant failed: {failure}", file=sys.stderr)
    return {
        "lite_workshop_participants": participants,
        "lite_workshop_on_real_browsers": browsers,
        "lite_workshop_real_browsers_interactive": len(ready),
        "lite_workshop_real_browsers_tti_max_s": round(max(ready), 1) if ready else None,
        "lite_workshop_all_done_s": round(wall, 1),
        "lite_workshop_server_cpu_s": round(cpu, 2),
        "lite_workshop_server_cpu_s_per_participant": round(cpu / participants, 3),
        "lite_workshop_mb_per_participant": round(sent / participants / 2**20, 1),
        "lite_workshop_clients_without_browser_complete": sum(1 for b in fetched if b > 0),
    }


@part("lite")
def bench_lite(root: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from ..bench_workshop import _chromium_args
    from ..devtools import chromium_path
    from .serve import make_server
    from .site import build_site, site_dir

    html_dir = root / "_build" / "html"
    if not (site_dir(root) / "pyodide" / "pyodide.js").is_file():
        build_site(root)
    server, stats = make_server(html_dir, "127.0.0.1", 0, None, keep_paths=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/lite/voici/render/en/{EXERCISE}.html"
    figures: dict = {"lite_load_1m_at_start": _load()}
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="reintegra-profile-") as profile:
            # A profile on disk, as a reader's browser has: the second visit finds what a reader's finds.
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=chromium_path(), args=_chromium_args(), headless=True)
            stats.paths.clear()
            first_s, first_bytes, _first_requests, page = _visit(context, url, stats)
            paths = [p for p in stats.paths if urlsplit(p).path]
            page.close()
            second_s, second_bytes, second_requests, page = _visit(context, url, stats)
            samples = _answer_changes(page)
            context.close()
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=_chromium_args())
            voila_s = _voila_preheated_tti(root, browser)
            browser.close()
    finally:
        server.shutdown()
    answers = percentiles(samples)
    figures.update({
        "lite_first_visit_tti_s": round(first_s, 1),
        "lite_first_visit_tti_s_target": TARGETS["first_visit_tti_s"],
        "lite_first_visit_mb": round(first_bytes / 2**20, 1),
        "lite_first_visit_mb_target": TARGETS["first_visit_mb"],
        "lite_second_visit_tti_s": round(second_s, 1),
        "lite_second_visit_mb": round(second_bytes / 2**20, 2),
        "lite_second_visit_requests_to_server": second_requests,
        "voila_preheated_tti_s": round(voila_s, 1),
        "lite_second_visit_vs_voila_preheated": round(second_s / voila_s, 2),
        "lite_second_visit_vs_voila_preheated_target": TARGETS["second_visit_vs_voila"],
        "lite_answer_change_median_ms": answers["median_ms"],
        "lite_answer_change_p95_ms": answers["p95_ms"],
        "lite_answer_change_p95_ms_target": TARGETS["answer_p95_ms"],
        "lite_runtime_on_disk_mb": round(_du(site_dir(root) / "pyodide") / 2**20, 1),
        "lite_site_on_disk_mb": round(_du(site_dir(root)) / 2**20, 1),
    })
    figures["lite_load_1m_after_visits"] = _load()
    figures.update(_lite_workshop(html_dir, paths, PARTICIPANTS, min(BROWSERS, PARTICIPANTS)))
    figures["lite_load_1m_at_end"] = _load()
    return figures
