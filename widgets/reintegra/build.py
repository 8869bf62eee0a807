"""Build the two editions of the book, keep the French catalogues up to date, serve.

English is the source. The French edition is the same sources built with
``language=fr`` and the translation catalogues in ``locales/fr/LC_MESSAGES``
(Sphinx gettext). Each edition executes its notebooks with ``REINTEGRA_LANG``
set, so that chart labels, table headers and widget text come out in the
edition's language, and each keeps its own execution cache.

Output::

    _build/html/index.html      a page that leads to both editions
    _build/html/en/...          English edition
    _build/html/fr/...          French edition
    _build/html/lite/...        the exercises in the reader's browser (JupyterLite,
                                one Pyodide runtime for both editions; see reintegra.lite)
"""
from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .i18n import messages
from .paths import repo_root

LANGUAGES = ("en", "fr")  # the book's editions, one per catalogue folder in locales/ (and English)

M = messages(
    "build",
    {
        "building": "Building the {lang} edition…",
        "built": "{lang} edition built in {seconds:.0f} s.",
        "failed": "The {lang} edition failed to build (see the messages above).",
        "serving": "The course is served at {url} (English: {url}en/, French: {url}fr/). Press Ctrl+C to stop.",
        "port_busy": "Port {port} is busy; trying {next}.",
        "title": "Reintegration: the integrated approach",
        "code_show": "Show code",
        "code_hide": "Hide code",
        "edition_en": "English",
        "edition_fr": "French",
        "package_catalogue": "Package catalogue updated: {path}",
    },
)


def build_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "_build"


def edition_overrides(lang: str, root: Path) -> dict:
    """Sphinx settings that differ between the editions."""
    out = build_dir(root)
    overrides = {
        "language": lang,
        "html_search_language": lang,
        "nb_execution_cache_path": str(out / ".jupyter_cache" / lang),
        "locale_dirs": [str(root / "locales")],
        "gettext_compact": False,
        "html_title": M("title", lang),
        "project": M("title", lang),
        "nb_code_prompt_show": M("code_show", lang),
        "nb_code_prompt_hide": M("code_hide", lang),
        "latex_individualpages": False,  # read (and removed) by Jupyter Book itself
    }
    return overrides


def _edition_env(lang: str) -> dict:
    env = dict(os.environ)
    env["REINTEGRA_LANG"] = lang
    env["MPLBACKEND"] = "Agg"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _sphinx(root: Path, builder: str, outdir: Path, doctrees: Path, overrides: dict,
            warnings_as_errors: bool = True, quiet: bool = False) -> int:
    """Run one Jupyter Book (Sphinx) build in this process."""
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        str(root),
        str(outdir),
        noconfig=True,
        path_config=str(root / "_config.yml"),
        confoverrides=overrides,
        doctreedir=str(doctrees),
        builder=builder,
        warningiserror=warnings_as_errors,
        keep_going=True,
        quiet=quiet,
    )
    if isinstance(result, Exception):
        print(result, file=sys.stderr)
        return 1
    return int(result or 0)


def _run_child(args: list[str], lang: str) -> int:
    """Each edition builds in its own process: Sphinx patches docutils globally."""
    cmd = [sys.executable, "-m", "reintegra.build", *args]
    return subprocess.call(cmd, env=_edition_env(lang), cwd=repo_root())


def inputs_fingerprint(root: Path) -> str:
    """A hash of what executed pages read besides their own code: the data and the package.

    The execution cache keys a notebook on its code cells only, so a change in
    ``datasets/`` or in the package would leave stale outputs (old figures, old
    wording) in the book. :func:`refresh_execution_cache` compares this
    fingerprint with the one the cache was made with.
    """
    import hashlib

    digest = hashlib.sha256()
    package = root / "widgets" / "reintegra"
    files = sorted(p for p in (root / "datasets").rglob("*") if p.is_file())
    files += sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".po", ".json")
                    and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_execution_cache(lang: str, root: Path) -> bool:
    """Empty an edition's execution cache when the data or the package changed; True if emptied."""
    import shutil

    cache = build_dir(root) / ".jupyter_cache" / lang
    stamp = build_dir(root) / ".jupyter_cache" / f"{lang}.inputs"
    want = inputs_fingerprint(root)
    stale = cache.exists() and (not stamp.exists() or stamp.read_text() != want)
    if stale:
        shutil.rmtree(cache)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(want)
    return stale


def build_edition(lang: str, quiet: bool = False) -> int:
    root = repo_root()
    out = build_dir(root)
    refresh_execution_cache(lang, root)
    print(M("building", lang, lang=M(f"edition_{lang}", lang)), flush=True)
    start = time.perf_counter()
    code = _run_child(["_edition", lang] + (["--quiet"] if quiet else []), lang)
    if code:
        print(M("failed", lang, lang=M(f"edition_{lang}", lang)), file=sys.stderr)
    else:
        print(M("built", lang, lang=M(f"edition_{lang}", lang), seconds=time.perf_counter() - start))
    write_root_index(out / "html")
    return code


def build_book(langs=LANGUAGES, quiet: bool = False, lite: bool = True) -> int:
    for lang in langs:
        code = build_edition(lang, quiet=quiet)
        if code:
            return code
    lighten_output(build_dir() / "html")
    if lite:
        from .lite import build_lite

        return build_lite()
    return 0


def write_root_index(html_dir: Path) -> Path:
    """The page at the top of ``_build/html``: choose English or French."""
    html_dir.mkdir(parents=True, exist_ok=True)
    (html_dir / ".nojekyll").write_text("")
    page = html_dir / "index.html"
    page.write_text(ROOT_INDEX, encoding="utf-8")
    return page


ROOT_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reintegration: the integrated approach · Réintégration\u00a0: l’approche intégrée</title>
<style>
 body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
        min-height: 100vh; display: flex; align-items: center; justify-content: center;
        background: #f4f7fa; color: #1d2a35; }
 main { max-width: 46rem; padding: 2rem; text-align: center; }
 h1 { font-size: 1.6rem; margin-bottom: .3rem; }
 p { line-height: 1.5; }
 .choices { display: flex; gap: 1.2rem; justify-content: center; flex-wrap: wrap; margin-top: 2rem; }
 .choices a { display: block; min-width: 15rem; padding: 1.2rem 1.5rem; border-radius: .5rem;
        background: #0072b2; color: #fff; text-decoration: none; font-size: 1.15rem; }
 .choices a:hover, .choices a:focus { background: #005a8c; }
 .choices small { display: block; opacity: .9; font-size: .85rem; margin-top: .3rem; }
</style>
</head>
<body>
<main>
 <h1>Reintegration: the integrated approach</h1>
 <h1 lang="fr">Réintégration\u00a0: l’approche intégrée</h1>
 <p>A course for reintegration case managers, trainers and partners.<br>
 <span lang="fr">Un cours pour les gestionnaires de cas, les formateurs et les partenaires de la réintégration.</span></p>
 <div class="choices">
  <a href="en/index.html" hreflang="en" lang="en">English<small>Read the course in English</small></a>
  <a href="fr/index.html" hreflang="fr" lang="fr">Français<small>Lire le cours en français</small></a>
 </div>
</main>
</body>
</html>
"""


# ----------------------------------------------------------------- translations


def extract_messages(outdir: Path | None = None) -> Path:
    """Write the English message templates (``.pot``) of the whole book."""
    outdir = outdir or build_dir() / "gettext"
    code = _run_child(["_gettext", str(outdir)], "en")
    if code:
        raise RuntimeError("extracting the messages of the book failed")
    return outdir


def update_translations() -> int:
    """Extract the English messages and merge them into the French catalogues.

    One workflow for the book and the package: the book's pages go to
    ``locales/fr/LC_MESSAGES/**.po`` (Sphinx's gettext builder, then
    sphinx-intl), the package's messages to
    ``widgets/reintegra/locale/<lang>/LC_MESSAGES/reintegra.po`` (through
    ``locale/reintegra.pot``). Changed English becomes a fuzzy entry, new
    English an empty one: the translation test fails until a translator has
    dealt with both.
    """
    from .locale import catalogues

    root = repo_root()
    out = build_dir(root)
    extract_messages(out / "gettext")
    code = subprocess.call(
        [sys.executable, "-m", "sphinx_intl", "update", "-p", str(out / "gettext"),
         "-l", "fr", "-d", str(root / "locales"), "-w", "0"],
        cwd=root,
    )
    for path in catalogues.update():
        print(M("package_catalogue", path=path))
    return code


# ------------------------------------------------------------- a lighter book

SHARED = "_static"
COMPRESSIBLE = (".html", ".js", ".css", ".svg", ".json", ".txt", ".xml", ".ttf", ".eot", ".ipynb", ".md")
_STATIC_REF = re.compile(r"""((?:href|src)=["'])((?:\.\./)*)_static/([^"'?#]+)""")


def lighten_output(html_dir: Path) -> dict:
    """One asset folder for both editions, then every text file pre-compressed."""
    shared = share_assets(html_dir)
    written = precompress(html_dir)
    return {"shared_files": shared, "compressed_files": written}


def share_assets(html_dir: Path, langs=LANGUAGES) -> int:
    """Move the static files the editions have in common to ``_build/html/_static/``.

    Sphinx writes a full ``_static/`` into each edition at each build. A file
    that is the same as the shared copy (or is not shared yet) moves to the
    shared folder; a file that differs (the edition's language data, or a file
    changed since the other edition was built) stays in the edition. Then every
    page's links to ``_static/`` point to wherever each file now is.
    """
    import filecmp
    import shutil

    common = html_dir / SHARED
    moved = 0
    for lang in langs:
        own = html_dir / lang / "_static"
        if not own.is_dir():
            continue
        for path in sorted(p for p in own.rglob("*") if p.is_file()):
            if path.suffix in (".gz", ".br") or path.name.endswith(".map"):
                path.unlink()
                continue
            rel = path.relative_to(own)
            target = common / rel
            if target.is_file() and filecmp.cmp(path, target, shallow=False):
                path.unlink()
                moved += 1
            elif not target.exists() and _same_in_other_editions(html_dir, lang, rel, path, langs):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(path), target)
                moved += 1
        for folder in sorted((p for p in own.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        _relink_pages(html_dir / lang, own, common)
    return moved


def _same_in_other_editions(html_dir: Path, lang: str, rel: Path, path: Path, langs) -> bool:
    """A file moves to the shared folder only if no other edition has a different one."""
    import filecmp

    for other in langs:
        if other == lang:
            continue
        theirs = html_dir / other / "_static" / rel
        if theirs.is_file() and not filecmp.cmp(path, theirs, shallow=False):
            return False
    return True


def _relink_pages(edition: Path, own: Path, common: Path) -> None:
    for page in edition.rglob("*.html"):
        if own in page.parents:
            continue
        depth = len(page.relative_to(edition).parts) - 1
        text = page.read_text(encoding="utf-8")

        def relink(match: re.Match) -> str:
            rel = match.group(3)
            if (own / rel).is_file() or not (common / rel).is_file():
                return f"{match.group(1)}{'../' * depth}_static/{rel}"
            return f"{match.group(1)}{'../' * (depth + 1)}{SHARED}/{rel}"

        new = _STATIC_REF.sub(relink, text)
        if new != text:
            page.write_text(new, encoding="utf-8")


def precompress(html_dir: Path, minimum: int = 1024) -> int:
    """Write ``.gz`` (and ``.br`` with the brotli package) beside every text file.

    ``./course book`` serves them to browsers that accept them; a static host
    can do the same (see the book's set-up page).
    """
    import gzip

    try:
        import brotli
    except ImportError:  # pragma: no cover - a dependency of the package
        brotli = None
    written = 0
    lite = html_dir / "lite"  # the in-browser site: its own server compresses what it sends
    for path in html_dir.rglob("*"):
        if not path.is_file() or path.suffix not in COMPRESSIBLE or path.stat().st_size < minimum:
            continue
        if lite in path.parents:
            continue
        data = path.read_bytes()
        stamp = path.stat().st_mtime
        for suffix, compress in ((".gz", lambda d: gzip.compress(d, compresslevel=9, mtime=0)),
                                 (".br", (lambda d: brotli.compress(d, quality=11)) if brotli else None)):
            if compress is None:
                continue
            target = path.with_name(path.name + suffix)
            if target.is_file() and target.stat().st_mtime >= stamp:
                continue
            target.write_bytes(compress(data))
            written += 1
    return written


# ----------------------------------------------------------------------- serving


def serve(port: int = 8000, host: str = "127.0.0.1", tries: int = 20) -> None:
    directory = build_dir() / "html"
    handler = book_handler(directory)
    for attempt in range(tries):
        try:
            server = http.server.ThreadingHTTPServer((host, port + attempt), handler)
            break
        except OSError:
            print(M("port_busy", None, port=port + attempt, next=port + attempt + 1))
    else:
        raise SystemExit(1)
    url = f"http://{host}:{server.server_address[1]}/"
    print(M("serving", None, url=url), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


class PrecompressedHandler(_QuietHandler):
    """Serves ``file.br`` or ``file.gz`` when the browser accepts it and the file exists."""

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            index = os.path.join(path, "index.html")
            if self.path.split("?")[0].endswith("/") and os.path.isfile(index):
                path = index
            else:
                return super().send_head()
        accepted = self.headers.get("Accept-Encoding", "")
        for suffix, encoding in ((".br", "br"), (".gz", "gzip")):
            if encoding in accepted and os.path.isfile(path + suffix):
                try:
                    handle = open(path + suffix, "rb")
                except OSError:
                    break
                size = os.fstat(handle.fileno()).st_size
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(path))
                self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(size))
                self.send_header("Vary", "Accept-Encoding")
                self.send_header("Last-Modified", self.date_time_string(int(os.path.getmtime(path))))
                self.end_headers()
                return handle
        return super().send_head()


def book_handler(directory: Path):
    """``./course book``'s server: the editions' pre-compressed files, and the in-browser exercises
    (``lite/``) as ``./course workshop --lite`` sends them: compressed, with validators, and cached by
    the same rule (:func:`reintegra.lite.serve.cache_control`), so that a second visit to an exercise
    downloads nothing."""
    from .lite.serve import Stats, _Compressed, make_handler

    lite = make_handler(Path(directory).resolve(), None, Stats(), _Compressed())

    class BookHandler(lite, PrecompressedHandler):
        def _serve(self, head: bool) -> None:
            if self.path.startswith("/lite/"):
                super()._serve(head)
            elif head:
                PrecompressedHandler.do_HEAD(self)
            else:
                PrecompressedHandler.do_GET(self)

    return BookHandler


# ------------------------------------------------------------- child processes


def _child(argv: list[str]) -> int:
    root = repo_root()
    out = build_dir(root)
    if argv[0] == "_edition":
        lang = argv[1]
        quiet = "--quiet" in argv
        return _sphinx(root, "html", out / "html" / lang, out / ".doctrees" / lang,
                       edition_overrides(lang, root), quiet=quiet)
    if argv[0] == "_gettext":
        target = Path(argv[1]) if len(argv) > 1 else out / "gettext"
        overrides = edition_overrides("en", root)
        return _sphinx(root, "gettext", target, out / ".doctrees" / "gettext", overrides,
                       quiet=True)
    raise SystemExit(f"unknown build step {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
