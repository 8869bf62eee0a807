"""The benchmark: figures on what users wait for, printed and saved as JSON.

``reintegra bench`` (or ``./course bench``) prints each figure and writes them
all to ``_build/benchmark.json``. Parts can be chosen with ``--only``.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from .i18n import messages
from .paths import repo_root

M = messages(
    "bench",
    {
        "title": "Benchmark of the course",
        "written": "Figures written to {path}",
        "unknown": "Unknown part: {name}. Parts: {parts}",
    },
)

PARTS: dict[str, Callable[[Path], dict]] = {}


def part(name: str):
    def register(function):
        PARTS[name] = function
        return function
    return register


def _copy_of_book(root: Path, into: Path) -> Path:
    """A copy of the sources (not the build) so that timings start cold."""
    target = into / "book"
    ignore = shutil.ignore_patterns("_build", ".venv", ".git", "__pycache__", ".ipynb_checkpoints")
    shutil.copytree(root, target, ignore=ignore)
    return target


def _build_copy(copy: Path) -> float:
    env = dict(os.environ, REINTEGRA_ROOT=str(copy))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import sys; from reintegra.build import build_book; sys.exit(build_book(quiet=True))"],
        env=env, cwd=copy, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


@part("book")
def bench_book(root: Path) -> dict:
    """Cold build of both editions, then the rebuild after touching one prose page."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = _copy_of_book(root, Path(tmp))
        cold = _build_copy(copy)
        page = copy / "book" / "setup.md"
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        rebuild = _build_copy(copy)
    return {
        "book_cold_build_s": round(cold, 2),
        "book_rebuild_one_page_s": round(rebuild, 2),
        "book_rebuild_to_cold_ratio": round(rebuild / cold, 3),
    }


@part("nbval")
def bench_nbval(root: Path) -> dict:
    """Time to validate every notebook with nbval."""
    targets = [str(p) for folder in ("exercises", "modules") for p in sorted((root / folder).rglob("*.ipynb"))
               if ".ipynb_checkpoints" not in p.parts]
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
         "-o", "addopts=", *targets],
        cwd=root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    return {"nbval_notebooks": len(targets), "nbval_run_s": round(elapsed, 2)}


def run(only: list[str] | None = None) -> int:
    root = repo_root()
    chosen = only or list(PARTS)
    for name in chosen:
        if name not in PARTS:
            print(M("unknown", None, name=name, parts=", ".join(PARTS)), file=sys.stderr)
            return 2
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }
    print(M("title"))
    for name in chosen:
        figures = PARTS[name](root)
        results[name] = figures
        for key, value in figures.items():
            print(f"  {key:<40} {value}")
    out = root / "_build" / "benchmark.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    previous.update(results)
    out.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(M("written", None, path=out))
    return 0


def percentiles(samples: list[float]) -> dict:
    """Median and 95th percentile of a list of durations, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(1000 * statistics.median(ordered), 2), "p95_ms": round(1000 * p95, 2)}


@part("referral")
def bench_referral(root: Path) -> dict:
    """Search-and-rank latency of the referral exercise over a 10,000-service directory.

    One query = the services of one category for one case (eligibility rule by
    rule, distance, ranking), with the reasons of the first ten shown, as the
    widget does; 300 queries over the course's cases and their priority needs.
    The directory is the large benchmark set (``_build/large``, made by
    ``reintegra data --large``) when present, else generated for the occasion.
    """
    import random

    from . import loader, referral

    large = root / "_build" / "large"
    with tempfile.TemporaryDirectory() as tmp:
        folder = large
        if not (large / "services.csv").is_file() or len(loader.read_table("services", large)) < 10_000:
            from .synth import build

            build(tmp, n_cases=50, n_services=10_000)
            folder = Path(tmp)
        services = loader.read_table("services", folder)
    start = time.perf_counter()
    directory = referral.Directory(services)
    prepare = time.perf_counter() - start
    cases = loader.load_cases()
    answers = referral.baseline_answers(loader.load_assessments())
    rng = random.Random(41)
    queries = []
    for case in cases.to_dict("records"):
        for need in referral.priority_needs(case, answers.get(case["case_id"])):
            queries.append((case, need.category))
    rng.shuffle(queries)
    queries = queries[:300]
    samples = []
    for case, need in queries:
        start = time.perf_counter()
        result = referral.match(case, need, directory)
        for m in result.eligible[:10]:
            m.explanation("en")
        for m in result.excluded[:10]:
            m.reasons("en")
        samples.append(time.perf_counter() - start)
    figures = percentiles(samples)
    return {
        "referral_services": len(directory),
        "referral_queries": len(samples),
        "referral_prepare_directory_ms": round(1000 * prepare, 1),
        "referral_search_rank_median_ms": figures["median_ms"],
        "referral_search_rank_p95_ms": figures["p95_ms"],
    }


@part("assessment")
def bench_assessment(root: Path) -> dict:
    """Scoring the 100,000-case set, and the latency of one answer change in the case-assessment widget.

    Scoring: :func:`reintegra.scoring.score_frame` on every assessment of the
    large set (``_build/large``, made by ``reintegra data --large``; generated
    in memory when absent), and on the baseline assessments only (one per
    case), best of three runs each. Widget: 200 answer changes in
    :class:`reintegra.ui.assessment.CaseAssessment`, cycling through the items
    and their options; each change recomputes the scores and redraws the chart
    and its text alternative, as the learner sees it.
    """
    import itertools

    import pandas as pd

    from .instrument import load_instrument
    from .scoring import score_frame

    instrument = load_instrument()
    large = root / "_build" / "large"
    assessments = None
    if (large / "assessments.csv").is_file() and (large / "cases.csv").is_file():
        with (large / "cases.csv").open(encoding="utf-8") as handle:
            n_cases = sum(1 for _ in handle) - 1
        if n_cases >= 100_000:
            assessments = pd.read_csv(large / "assessments.csv", dtype=str, keep_default_na=False)
    if assessments is None:
        from .loader import load_instrument as load_instrument_dict
        from .synth import generate

        n_cases = 100_000
        assessments = generate(41, n_cases, 100, load_instrument_dict())["assessments"]
    baseline = assessments[assessments["wave"].astype(int) == 0]

    def best_of_three(frame) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            score_frame(instrument, frame)
            times.append(time.perf_counter() - start)
        return min(times)

    all_s = best_of_three(assessments)
    baseline_s = best_of_three(baseline)

    from .case_studies import load_case_studies
    from .ui.assessment import CaseAssessment

    widget = CaseAssessment("en")
    case = load_case_studies()[0]
    widget.case_picker.value = case.id
    widget.set_answers(case.reference.all_answers)
    changes = itertools.cycle([(item.id, option.code) for item in instrument.items for option in item.options])
    for _ in range(10):  # warm-up
        qid, code = next(changes)
        widget.choices[qid].value = code
    samples = []
    while len(samples) < 200:
        qid, code = next(changes)
        if widget.choices[qid].value == code:
            continue
        start = time.perf_counter()
        widget.choices[qid].value = code
        samples.append(time.perf_counter() - start)
    figures = percentiles(samples)
    return {
        "assessment_cases": n_cases,
        "assessment_rows_scored": len(assessments),
        "assessment_score_all_rows_s": round(all_s, 3),
        "assessment_score_baseline_100k_s": round(baseline_s, 3),
        "assessment_rows_per_second": int(len(assessments) / all_s),
        "assessment_answer_changes": len(samples),
        "assessment_answer_change_median_ms": figures["median_ms"],
        "assessment_answer_change_p95_ms": figures["p95_ms"],
    }


@part("data")
def bench_data(root: Path) -> dict:
    """Time to generate the committed set and the large set (100,000 cases, 10,000 services)."""
    from .synth import build

    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        build(Path(tmp) / "default", seed=41, n_cases=600, n_services=400)
        figures["data_default_set_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        build(Path(tmp) / "large", seed=41, n_cases=100_000, n_services=10_000)
        figures["data_large_set_s"] = round(time.perf_counter() - start, 2)
    figures["data_large_to_default_ratio"] = round(figures["data_large_set_s"] / figures["data_default_set_s"], 1)
    return figures


def large_directory_csv(path: Path, rows: int = 200_000) -> Path:
    """A trainer's large service directory: the course's services repeated under new codes,
    written the way a French Excel exports it (semicolons, decimal commas, French headers),
    with half the rows without coordinates (placed from their town) and a third without a
    region (deduced), so that place filling does its full work."""
    import numpy as np

    from . import loader
    from .schema import field_title

    services = loader.load_services()
    repeat = -(-rows // len(services))
    frame = services.loc[np.tile(np.arange(len(services)), repeat)[:rows]].reset_index(drop=True)
    frame["service_id"] = [f"S{i:06d}" for i in range(rows)]
    for column in ("lat", "lon"):
        text = frame[column].map(lambda v: f"{v:.4f}".replace(".", ","))
        frame[column] = text.where(frame.index % 2 == 1, "")
    frame["region_id"] = frame["region_id"].where(frame.index % 3 != 0, "")
    frame["last_verified"] = frame["last_verified"].dt.strftime("%d/%m/%Y")
    frame.columns = [field_title("services", c, "fr") for c in frame.columns]
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


_LOAD_SCRIPT = """
import json, resource, sys, time
from reintegra.loader import load_file
start, cpu = time.perf_counter(), time.process_time()
result = load_file(sys.argv[1], "services", max_bytes=None)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
assert result.ok, result.report("en")[:2000]
print(json.dumps({"s": elapsed, "cpu_s": cpu, "rows": len(result.data),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@part("loader")
def bench_loader(root: Path) -> dict:
    """Loading a trainer's 200,000-row service directory (CSV, French Excel style, half the rows
    placed from their town): time, processor time (steadier on a shared machine) and peak
    memory of the loading process, best of two runs."""
    with tempfile.TemporaryDirectory() as tmp:
        path = large_directory_csv(Path(tmp) / "directory.csv")
        size_mb = path.stat().st_size / 1024 / 1024
        runs = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT, str(path)], check=True,
                                 capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["s"])
    return {
        "loader_rows": best["rows"],
        "loader_file_mb": round(size_mb, 1),
        "loader_200k_rows_s": round(best["s"], 2),
        "loader_200k_rows_cpu_s": round(best["cpu_s"], 2),
        "loader_peak_memory_mb": round(best["peak_mb"]),
    }


# The workshop's load figures live in their own module (browsers, servers).
from . import bench_workshop  # noqa: E402,F401  (registers the "workshop" part)


@part("business")
def bench_business(root: Path) -> dict:
    """One decision in the business-plan review: the learner changes the decision and checks.

    200 rounds over the six plans: set the decision, click *Check my review*
    (every line, risk and decision gets its feedback redrawn). Beside it, its
    floor in the same run: the pure review logic alone for the same answers.
    """
    import itertools

    from .business import review as logic
    from .ui.business_plan import BusinessPlanReview

    widget = BusinessPlanReview("en")
    book = widget.book
    rounds = itertools.cycle([(plan.id, decision) for plan in book.plans for decision in logic.DECISIONS])
    for _ in range(10):  # warm-up
        plan_id, decision = next(rounds)
        widget.plan_picker.value = plan_id
        widget.decision.value = decision
        widget.check()
    samples, floor = [], []
    for _ in range(200):
        plan_id, decision = next(rounds)
        widget.plan_picker.value = plan_id
        start = time.perf_counter()
        widget.decision.value = decision
        widget.check_button.click()
        samples.append(time.perf_counter() - start)
        review = widget.current_review()
        start = time.perf_counter()
        logic.check_review(widget.plan, book.rules, review)
        logic.decision_reason(widget.plan, book.rules, "en")
        floor.append(time.perf_counter() - start)
    figures, base = percentiles(samples), percentiles(floor)
    return {
        "business_decisions": len(samples),
        "business_decision_median_ms": figures["median_ms"],
        "business_decision_p95_ms": figures["p95_ms"],
        "business_logic_floor_p95_ms": base["p95_ms"],
    }


from .lite import bench as _lite_bench  # noqa: E402,F401  (registers the "lite" part)
from . import bench_weight  # noqa: E402,F401  (registers the "weight" part)
from . import bench_room  # noqa: E402,F401  (registers the "room" part)
