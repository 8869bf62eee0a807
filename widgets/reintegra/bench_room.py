"""Benchmark of the room's store: a room of participants answers while the trainer watches.

``PARTICIPANTS`` simulated participants (30) answer one exercise's length of a
workshop at a realistic pace: each assesses the same case (the 16 items of the
instrument, in their own order, changing some answers on the way, then the
needs they see), then maps services for a referral case (consent, then a
service for two or three needs), with a random think time between answers
(10 to 60 s). Time is compressed by ``SPEED`` (20×: twenty minutes of workshop
in one minute), so the store takes writes twenty times faster than in a room.

Each participant is a separate process (like a kernel of the Voila workshop)
writing through the dashboards' own path (:class:`~reintegra.workshop.recorder.Recorder`
over :class:`~reintegra.workshop.store.RoomStore`, its own connection). The
trainer's view is served in another process by its real tornado handlers, and
a client polls ``/room/data.json`` every ``POLL_S`` seconds (the page asks
every 3 s; faster here, so that the compressed run gives enough samples).

Figures: the refresh time of the trainer's view (median, p95) while the room
writes, beside two floors from the same run: the same request on the empty
store before anyone answers, and on the full store once everyone has
finished; the answers written, the writes that failed, the answers lost
(each participant's last answer to each item, compared with what the store
holds: must be 0), and the store's size on disk.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path

from .bench import part, percentiles
from .i18n import current_lang, messages

M = messages("bench_room", {"no_start": "The trainer's view did not start at {url}"})

PARTICIPANTS = int(os.environ.get("REINTEGRA_BENCH_ROOM_PARTICIPANTS", "30"))
SPEED = float(os.environ.get("REINTEGRA_BENCH_ROOM_SPEED", "20"))  # simulated seconds per real second
THINK_S = (10.0, 60.0)  # a participant's think time between two answers, simulated seconds
POLL_S = 0.5
CASE = "karim"  # the case the whole room assesses (the calibration exercise)
TOKEN = "bench-trainer-token"

_SERVER = """
import asyncio, sys
from tornado import web
from reintegra.workshop import roomview

async def main():
    web.Application(roomview.handlers("/", sys.argv[3], sys.argv[1])).listen(int(sys.argv[2]), "127.0.0.1")
    await asyncio.Event().wait()

asyncio.run(main())
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def participant_plan(number: int, seed: int = 41) -> list[tuple[float, str, str, dict]]:
    """One participant's answers in order: (think time in simulated s, exercise, subject, answers)."""
    from .workshop import known

    rng = random.Random(seed * 1000 + number)
    assessment, referral = known.exercise("case-assessment"), known.exercise("referral-mapping")
    from .instrument import load_instrument

    items = [(item.id, sorted(assessment.items[item.id])) for item in load_instrument().items]
    rng.shuffle(items)
    steps = []

    def think() -> float:
        return rng.uniform(*THINK_S)

    for item, options in items:
        steps.append((think(), "case-assessment", CASE, {item: rng.choice(options)}))
    for item, options in rng.sample(items, 4):  # second thoughts: the last answer counts
        steps.append((think(), "case-assessment", CASE, {item: rng.choice(options)}))
    needs = sorted(_needs())
    for need in rng.sample(needs, 3):
        steps.append((think(), "case-assessment", CASE, {f"need:{need}": "yes"}))
    steps.append((think(), "case-assessment", CASE, {f"need:{needs[0]}": None}))  # unticked: removed
    case = sorted(referral.subjects)[number % len(referral.subjects)]
    steps.append((think(), "referral-mapping", case, {"consent": rng.choice(["yes", "yes", "yes", "no"])}))
    services = _services()
    for category in rng.sample(sorted(services), rng.randint(2, 3)):
        steps.append((think(), "referral-mapping", case, {f"need:{category}": rng.choice(services[category])}))
    return steps


@lru_cache(maxsize=1)
def _needs() -> list[str]:
    from . import plan as P

    return [need.id for need in P.load_grid().needs]


@lru_cache(maxsize=1)
def _services() -> dict[str, list[str]]:
    from . import loader

    services = loader.load_services()
    return {category: sorted(group["service_id"].astype(str))
            for category, group in services.groupby("category")}


def _participant(number: int, steps: list, folder: str, speed: float, start_at: float, out) -> None:
    """One participant's process: answers through a Recorder; sends back what it wrote last per item."""
    from .workshop.recorder import Recorder

    pid = f"bench{number:03d}".ljust(16, "0") + os.urandom(8).hex()
    rng = random.Random(number)
    time.sleep(max(0.0, start_at - time.time()) + rng.uniform(0, 60) / speed)  # people start within a minute
    recorder = Recorder(current_lang() if number % 2 else "fr", room_dir=folder, pid=pid)
    expected: dict[str, dict[str, str]] = {}
    failed = written = 0
    for think, exercise, subject, answers in steps:
        time.sleep(think / speed)
        if recorder.record(exercise, subject, answers):
            written += 1
            key = f"{exercise}|{subject}"
            for item, value in answers.items():
                if value is None:
                    expected.setdefault(key, {}).pop(item, None)
                else:
                    expected.setdefault(key, {})[item] = value
        else:
            failed += 1
    if recorder.store is not None:
        recorder.store.close()
    out.put({"pid": recorder.pid, "expected": expected, "written": written, "failed": failed})


def lost_answers(store, expected: dict[str, dict[str, dict[str, str]]]) -> int:
    """Answers a participant gave last that the store does not hold as given (missing or another value).

    ``expected`` is ``{pid: {"exercise|subject": {item: value}}}``, what each participant wrote."""
    lost = 0
    for pid, by_key in expected.items():
        for key, answers in by_key.items():
            exercise, subject = key.split("|", 1)
            held = {a.item: a.value for a in store.answers(exercise, subject, pid)}
            lost += sum(1 for item, value in answers.items() if held.get(item) != value)
    return lost


def _get(url: str) -> tuple[float, dict]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.loads(response.read())
    return time.perf_counter() - start, body


def simulate(folder: Path, participants: int = PARTICIPANTS, speed: float = SPEED, poll_s: float = POLL_S,
             floor_samples: int = 20) -> tuple[dict, dict]:
    """Run the room in ``folder``; returns the figures and what each participant wrote."""
    from .workshop.store import RoomStore

    folder = Path(folder)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(folder), str(port), TOKEN],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/room/data.json?trainer={TOKEN}&case={CASE}"
    urls = [f"{base}&lang=en", f"{base}&lang=fr"]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(urls[0])  # also the first, cold request: the course's data loaded once
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(M("no_start", current_lang(), url=urls[0])) from None
                time.sleep(0.3)
        _get(urls[1])
        empty = [_get(urls[n % 2])[0] for n in range(floor_samples)]

        plans = [participant_plan(n) for n in range(participants)]  # made before the clock starts
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        start_at = time.time() + 1.0
        processes = [context.Process(target=_participant, args=(n, plans[n], str(folder), speed, start_at, queue))
                     for n in range(participants)]
        for process in processes:
            process.start()
        results, during = [], []
        done = threading.Event()

        def collect() -> None:
            while len(results) < participants:
                results.append(queue.get())
            done.set()

        threading.Thread(target=collect, daemon=True).start()
        begin = time.perf_counter()
        n = 0
        while not done.is_set():
            elapsed, _ = _get(urls[n % 2])
            during.append(elapsed)
            n += 1
            done.wait(max(0.0, poll_s - elapsed))
        real_s = time.perf_counter() - begin
        for process in processes:
            process.join(timeout=30)
        full = [_get(urls[n % 2])[0] for n in range(floor_samples)]
        last = _get(urls[0])[1]["html"]
    finally:
        server.terminate()
        server.wait(timeout=20)

    expected = {r["pid"]: r["expected"] for r in results}
    store = RoomStore(folder)
    lost = lost_answers(store, expected)
    seen = len(store.by_participant("case-assessment", CASE))
    size = store.size_bytes()
    store.close()
    simulated_min = max(sum(step[0] for step in plan) for plan in plans) / 60
    figures = {
        "room_participants": participants,
        "room_participants_in_view": seen,
        "room_time_compression": f"{speed:g}x",
        "room_simulated_exercise_min": round(simulated_min, 1),
        "room_real_s": round(real_s, 1),
        "room_writes": sum(r["written"] for r in results),
        "room_failed_writes": sum(r["failed"] for r in results),
        "room_lost_answers": lost,
        "room_view_polls": len(during),
        "room_view_refresh_median_ms": percentiles(during)["median_ms"],
        "room_view_refresh_p95_ms": percentiles(during)["p95_ms"],
        "room_view_floor_empty_store_p95_ms": percentiles(empty)["p95_ms"],
        "room_view_full_store_quiet_p95_ms": percentiles(full)["p95_ms"],
        "room_view_shows_everyone": f'class="count">{participants} ' in last,
        "room_store_kb": round(size / 1024, 1),
    }
    return figures, expected


@part("room")
def bench_room(root: Path) -> dict:
    """The room's store under a room of participants, and the trainer's view refreshing meanwhile."""
    with tempfile.TemporaryDirectory() as tmp:
        figures, _ = simulate(Path(tmp))
    return figures
