"""Command line: ``reintegra book | data | translations | bench``.

``./course`` at the root of the repository creates the virtual environment and
calls this; ``reintegra --help`` lists the subcommands.
"""
from __future__ import annotations

import argparse
import os
import sys

from .i18n import messages

M = messages(
    "cli",
    {
        "description": "Course on the integrated approach to reintegration: build the book, make the data, run the benchmark.",
        "book": "Build both editions of the book and serve them.",
        "no_serve": "Build only; do not serve.",
        "serve_only": "Serve what is already built.",
        "port": "Port to serve on (default 8000).",
        "lang": "Build only this edition.",
        "data": "Regenerate the synthetic datasets.",
        "translations": "Update the French catalogues of the book and of the package from the English sources (changed text becomes fuzzy).",
        "migrate_inline": "Move French still written in the package's message declarations into its catalogue, leaving the English in the code.",
        "migrated": "{count} translations moved to the catalogues; declarations rewritten in: {files}.",
        "migrate_left": "Declarations built by code, to rewrite by hand: {keys}",
        "workshop": "Serve the exercises as dashboards to a workshop (Voila); --lan to open it to the room's Wi-Fi.",
        "bench": "Run the benchmark and print its figures.",
        "bench_only": "Only these parts of the benchmark.",
        "lab": "Open the exercises in JupyterLab on this computer (--lang fr for French, --port to choose the port).",
    },
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Subcommands with options of their own get the rest of the line untouched.
    if argv and argv[0] == "workshop":
        from .workshop import main as workshop_main

        return workshop_main(argv[1:])
    if argv and argv[0] == "lab":
        return lab_main(argv[1:])
    if argv and argv[0] == "data":
        from .synth import main_data

        return main_data(argv[1:]) or 0
    parser = argparse.ArgumentParser(prog="reintegra", description=M("description"))
    sub = parser.add_subparsers(dest="command", required=True)

    book = sub.add_parser("book", help=M("book"), description=M("book"))
    book.add_argument("--no-serve", action="store_true", help=M("no_serve"))
    book.add_argument("--serve-only", action="store_true", help=M("serve_only"))
    book.add_argument("--port", type=int, default=8000, help=M("port"))
    book.add_argument("--lang", choices=["en", "fr"], help=M("lang"))

    data = sub.add_parser("data", help=M("data"), description=M("data"), add_help=False)
    data.add_argument("rest", nargs=argparse.REMAINDER)

    workshop = sub.add_parser("workshop", help=M("workshop"), description=M("workshop"), add_help=False)
    workshop.add_argument("rest", nargs=argparse.REMAINDER)

    translations = sub.add_parser("translations", help=M("translations"), description=M("translations"))
    translations.add_argument("--migrate-inline", action="store_true", help=M("migrate_inline"))
    sub.add_parser("lab", help=M("lab"), description=M("lab"), add_help=False)

    bench = sub.add_parser("bench", help=M("bench"), description=M("bench"))
    bench.add_argument("--only", nargs="*", help=M("bench_only"))

    args = parser.parse_args(argv)

    if args.command == "book":
        from . import build

        if not args.serve_only:
            code = build.build_book([args.lang] if args.lang else ["en", "fr"])
            if code:
                return code
        if not args.no_serve:
            build.serve(port=args.port)
        return 0
    if args.command == "data":
        from .synth import main_data

        return main_data(args.rest) or 0
    if args.command == "workshop":
        from .workshop import main as workshop_main

        return workshop_main(args.rest)
    if args.command == "translations":
        if args.migrate_inline:
            from .locale.catalogues import migrate_inline

            done = migrate_inline()
            print(M("migrated", count=done["translations"], files=", ".join(done["files"]) or "-"))
            if done["left"]:
                print(M("migrate_left", keys=", ".join(done["left"])))
            return 1 if done["left"] else 0
        from .build import update_translations

        return update_translations()
    if args.command == "bench":
        from .bench import run

        return run(args.only)
    return 2


def lab_command(lang: str = "en", port: int = 8888, open_browser: bool = True) -> tuple[list[str], dict]:
    """The JupyterLab command on the exercises folder, listening on this computer only.

    The notebooks run in the package's environment, in ``lang``; JupyterLab
    fetches no news, checks for no update and lists no extensions from PyPI
    (no internet needed).
    """
    from .paths import repo_root

    root = repo_root()
    command = [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root / 'exercises'}",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines run as root
    if not open_browser:
        command.append("--no-browser")
    env = dict(os.environ, REINTEGRA_LANG=lang)
    return command, env


def lab_main(argv: list[str]) -> int:
    import subprocess

    parser = argparse.ArgumentParser(prog="reintegra lab", description=M("lab"))
    parser.add_argument("--lang", choices=["en", "fr"], default="en")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    command, env = lab_command(args.lang, args.port, not args.no_browser)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
