"""Seeded synthetic data for the course: generator, reference data, command line.

``python -m reintegra.synth`` (or, once wired, ``reintegra data``) regenerates
``datasets/``; ``--large`` writes the benchmark set into ``_build/large/``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..i18n import fmt_number, messages
from ..paths import datasets_dir, reference_datasets_dir, repo_root

DEFAULT_SEED = 41
DEFAULT_CASES = 600
DEFAULT_SERVICES = 400
LARGE_CASES = 100_000
LARGE_SERVICES = 10_000

__all__ = ["generate", "write_package", "build", "cli_data", "main_data",
           "DEFAULT_SEED", "DEFAULT_CASES", "DEFAULT_SERVICES"]


def generate(*args, **kwargs):
    from .generator import generate as _generate
    return _generate(*args, **kwargs)


def write_package(*args, **kwargs):
    from .generator import write_package as _write
    return _write(*args, **kwargs)


def build(out_dir: str | Path | None = None, seed: int = DEFAULT_SEED, n_cases: int = DEFAULT_CASES,
          n_services: int = DEFAULT_SERVICES, instrument_path: str | Path | None = None) -> dict:
    """Generate and write a data package; returns sizes and timings (seconds)."""
    from ..loader import load_instrument
    from .generator import generate as _generate, write_package as _write

    source = reference_datasets_dir()
    out = Path(out_dir) if out_dir else datasets_dir()
    instrument_path = Path(instrument_path) if instrument_path else source / "instrument.json"
    instrument = load_instrument(instrument_path)
    t0 = time.perf_counter()
    tables = _generate(seed, n_cases, n_services, instrument)
    t1 = time.perf_counter()
    files = _write(out, tables, instrument, source_dir=source, instrument_path=instrument_path)
    t2 = time.perf_counter()
    return {"out": out, "rows": {k: len(v) for k, v in tables.items()}, "files": files,
            "generate_s": t1 - t0, "write_s": t2 - t1}


M = messages("data.cli", {
    "description": (
        "Generate the course's synthetic data package (seeded, deterministic).",
        "Produire le jeu de données synthétiques du cours (avec graine, reproductible).",
    ),
    "seed": ("random seed (default {value})", "graine aléatoire (par défaut {value})"),
    "cases": ("number of cases (default {value})", "nombre de dossiers (par défaut {value})"),
    "services": ("number of services (default {value})", "nombre de services (par défaut {value})"),
    "out": ("output folder (default: datasets/, or _build/large/ with --large)",
            "dossier de sortie (par défaut\u00a0: datasets/, ou _build/large/ avec --large)"),
    "large": ("benchmark set: {cases} cases and {services} services in _build/large/",
              "jeu de mesure\u00a0: {cases}\u00a0dossiers et {services}\u00a0services dans _build/large/"),
    "instrument": ("instrument file to draw the answers from (default datasets/instrument.json)",
                   "fichier d’instrument d’où tirer les réponses (par défaut datasets/instrument.json)"),
    "check": ("regenerate into a temporary folder and compare with --out; exit code 1 if they differ",
              "régénérer dans un dossier temporaire et comparer avec --out\u00a0; code de sortie 1 en cas de différence"),
    "quiet": ("print nothing but errors", "n’afficher que les erreurs"),
    "differs": ("{out} differs from the generator's output: {files}",
                "{out} diffère de la sortie du générateur\u00a0: {files}"),
    "matches": ("{out} matches the generator (seed {seed}, {cases} cases, {services} services)",
                "{out} correspond au générateur (graine {seed}, {cases}\u00a0dossiers, {services}\u00a0services)"),
    "wrote": ("wrote {out}: {rows}", "écrit dans {out}\u00a0: {rows}"),
    "timing": ("generated in {generate} s, written in {write} s",
               "produit en {generate}\u00a0s, écrit en {write}\u00a0s"),
})


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reintegra data", description=M("description"))
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=M("seed", value=DEFAULT_SEED))
    p.add_argument("--cases", type=int, default=None, help=M("cases", value=DEFAULT_CASES))
    p.add_argument("--services", type=int, default=None, help=M("services", value=DEFAULT_SERVICES))
    p.add_argument("--out", type=Path, default=None, help=M("out"))
    p.add_argument("--large", action="store_true",
                   help=M("large", cases=fmt_number(LARGE_CASES), services=fmt_number(LARGE_SERVICES)))
    p.add_argument("--instrument", type=Path, default=None, help=M("instrument"))
    p.add_argument("--check", action="store_true", help=M("check"))
    p.add_argument("--quiet", action="store_true", help=M("quiet"))
    return p


def main_data(args: argparse.Namespace | list[str] | None = None) -> int:
    """Run the data command; ``args`` is parsed arguments or the command line's words
    (``main_data(["--seed", "41"])``, as ``reintegra data --seed 41``). Returns the exit code."""
    if args is None or isinstance(args, (list, tuple)):
        args = _parser().parse_args(list(args or []))
    n_cases = args.cases if args.cases is not None else (LARGE_CASES if args.large else DEFAULT_CASES)
    n_services = args.services if args.services is not None else (LARGE_SERVICES if args.large else DEFAULT_SERVICES)
    out = args.out or (repo_root() / "_build" / "large" if args.large else datasets_dir())
    say = (lambda *a: None) if args.quiet else print
    if args.check:
        import filecmp
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            info = build(tmp, args.seed, n_cases, n_services, args.instrument)
            different = [f.name for f in info["files"] if f.suffix in (".csv", ".json")
                         and not filecmp.cmp(f, Path(out) / f.name, shallow=False)
                         if (Path(out) / f.name).exists()]
            missing = [f.name for f in info["files"] if not (Path(out) / f.name).exists()]
        if different or missing:
            print(M("differs", out=out, files=", ".join(different + missing)), file=sys.stderr)
            return 1
        say(M("matches", out=out, seed=args.seed, cases=fmt_number(n_cases), services=fmt_number(n_services)))
        return 0
    info = build(out, args.seed, n_cases, n_services, args.instrument)
    rows = ", ".join(f"{k} {fmt_number(v)}" for k, v in info["rows"].items())
    say(M("wrote", out=info["out"], rows=rows))
    say(M("timing", generate=fmt_number(info["generate_s"], digits=2), write=fmt_number(info["write_s"], digits=2)))
    return 0


def cli_data(argv: list[str] | None = None) -> int:
    """Entry point: ``cli_data(["--seed", "41", "--cases", "600"])``."""
    return main_data(_parser().parse_args(argv))


def add_data_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add this command's options to a sub-parser (for ``reintegra data``)."""
    for action in _parser()._actions:
        if action.dest == "help":
            continue
        kwargs = {"dest": action.dest, "default": action.default, "help": action.help}
        if isinstance(action, argparse._StoreTrueAction):
            kwargs["action"] = "store_true"
        else:
            kwargs["type"] = action.type
        parser.add_argument(*action.option_strings, **kwargs)
    return parser
