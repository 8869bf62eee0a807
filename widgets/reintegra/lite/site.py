"""Build the in-browser exercises: a JupyterLite site with Voici dashboards.

``reintegra book`` calls :func:`build_site` after the two editions. The site,
``_build/html/lite/``, holds:

* ``voici/render/<lang>/<exercise>.html``: each exercise as a dashboard (no
  code shown), in English and French: each language's copy of the notebook
  starts by setting ``REINTEGRA_LANG``;
* ``notebooks/index.html?path=<lang>/<exercise>.ipynb``: the same notebook with
  its code, for those who want it;
* ``pyodide/``: one copy of the Pyodide runtime for both editions, verified
  against the official lock (:mod:`reintegra.lite.runtime`), its lock trimmed
  to the packages the exercises use, and ``LICENSES.md``;
* ``pypi/``: local wheels for piplite: the course's own package built from the
  working tree (with its data), and the pure-Python packages Pyodide's lock
  does not have (comm, ipywidgets…), at the versions installed here, so the
  browser runs what the tests run. Falling back to PyPI is disabled.

Ordinary pages of the book never load any of it: it loads only when a reader
opens an exercise in the browser.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import html
import importlib.metadata as metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ..i18n import LANGUAGES, messages
from ..paths import repo_root
from . import bytecode as bytecode_mod, runtime

M = messages(
    "lite",
    {
        "building": "Building the in-browser exercises (JupyterLite)…",
        "built": "In-browser exercises built in {seconds:.0f} s: {path}",
        "failed": "The in-browser exercises failed to build: {reason}",
        "notebook_intro": ("This notebook runs in your browser: Python and the course's package are loaded into this page, "
            "nothing is installed and nothing you enter leaves your device. Run the cells below "
            "(*Run › Run All Cells*, or Shift+Enter on each); the exercise appears under the last one. "
            "All the data are fictional."),
    },
)

SITE = "lite"
# Pure-Python packages the exercises import that Pyodide's lock does not hold.
PIPLITE_PACKAGES = ("comm", "ipywidgets", "jupyterlab_widgets", "openpyxl", "et_xmlfile", "babel")
# Loaded by Pyodide as it starts, in parallel, from the site's lock: the course's package (and
# what it depends on), and what the kernel would otherwise install one after the other through
# micropip and piplite on every start (the kernel skips a package it finds in this list).
KERNEL_PACKAGES = ("micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "jedi", "ipython")
# The compiled libraries most exercises use, loaded with the runtime for every page but the
# dashboards of LIGHT_EXERCISES: unpacking them and compiling their WebAssembly is most of a
# start's work, and the case assessment uses none of them (a test holds it to that).
HEAVY_PACKAGES = ("numpy", "pandas", "matplotlib")
LIGHT_EXERCISES = ("case-assessment",)
PRELOADED = ("reintegra", *KERNEL_PACKAGES, *HEAVY_PACKAGES)
# The kernel's own wheels, shipped by jupyterlite-pyodide-kernel in the built site.
KERNEL_WHEELS = "extensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
LITE_JSON = "jupyter-lite.json"
KERNEL_SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"


class SiteError(Exception):
    pass


def site_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "_build" / "html" / SITE


# ---------------------------------------------------------------- contents


def _exercise_notebooks(root: Path) -> list[Path]:
    return sorted(p for p in (root / "exercises").glob("*.ipynb") if not p.name.startswith("."))


def lite_notebook(source: Path, lang: str) -> dict:
    """The exercise as the browser runs it: its code and dashboard cells, not the book's prose."""
    from ..workshop import M as WM

    nb = json.loads(source.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "book-only" not in c.get("metadata", {}).get("tags", [])]
    for cell in cells:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k == "tags"}
    name = source.stem
    title = WM(f"{name}_title", lang) if f"{name}_title" in WM else name
    intro = {
        "cell_type": "markdown", "id": "lite-intro",
        "metadata": {"tags": ["book-only"]},  # the dashboard shows the widget alone
        "source": f"# {title}\n\n{M('notebook_intro', lang)}\n",
    }
    # The edition's language, set before the exercise is built (on a server, Voila's ?lang= does it).
    language = {
        "cell_type": "code", "id": "lite-language", "metadata": {"tags": ["remove-input"]},
        "execution_count": None, "outputs": [],
        "source": f'import os\n\nos.environ["REINTEGRA_LANG"] = "{lang}"  # the language of this copy of the exercise\n',
    }
    nb["cells"] = [intro, language, *cells]
    nb["metadata"]["kernelspec"] = dict(KERNELSPEC)
    nb["metadata"]["language_info"] = {"name": "python"}
    return nb


def write_contents(root: Path, folder: Path) -> list[Path]:
    written = []
    for lang in LANGUAGES:
        (folder / lang).mkdir(parents=True, exist_ok=True)
        for source in _exercise_notebooks(root):
            target = folder / lang / source.name
            target.write_text(json.dumps(lite_notebook(source, lang), ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
            written.append(target)
    return written


# ------------------------------------------------------------------ wheels


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def course_wheel(root: Path, dest: Path) -> Path:
    """The course's package as a wheel, from the working tree, with its data inside.

    Only what runs in the browser goes in: the Python modules (all of them,
    unchanged) and ``datasets/`` as ``reintegra/_course/datasets``; not the
    book's static files nor the workshop's template.
    """
    from .. import __version__

    package = root / "widgets" / "reintegra"
    files: list[tuple[str, bytes]] = []
    # The code and what it reads at run time: message catalogues, the safety protocol.
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".po", ".pot", ".json")):
        if "__pycache__" not in path.parts and "sphinxext" not in path.parts and "template" not in path.parts:
            files.append((f"reintegra/{path.relative_to(package).as_posix()}", path.read_bytes()))
    for path in sorted((root / "datasets").rglob("*")):
        if path.is_file():
            files.append((f"reintegra/_course/datasets/{path.relative_to(root / 'datasets').as_posix()}",
                          path.read_bytes()))
    dist = f"reintegra-{__version__}.dist-info"
    meta = (f"Metadata-Version: 2.1\nName: reintegra\nVersion: {__version__}\n"
            "Summary: The course's package, built for the in-browser exercises\nLicense-Expression: MIT\n"
            + "".join(f"Requires-Dist: {name}\n" for name in ("ipywidgets", "pandas", "matplotlib", "openpyxl")))
    files.append((f"{dist}/METADATA", meta.encode()))
    files.append((f"{dist}/WHEEL", b"Wheel-Version: 1.0\nGenerator: reintegra\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
    files.append((f"{dist}/LICENSE", (root / "LICENSE").read_bytes()))
    record = [_record_line(n, d) for n, d in files] + [f"{dist}/RECORD,,"]
    files.append((f"{dist}/RECORD", ("\n".join(record) + "\n").encode()))
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"reintegra-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return wheel


def dependency_wheels(root: Path, log=print) -> list[Path]:
    """Wheels of the pure-Python packages missing from Pyodide, at the versions installed here."""
    # Babel reads the package's catalogues and formats numbers: the package needs it before its first import.
    names = list(PIPLITE_PACKAGES)
    cache = runtime.cache_dir().parent / "piplite"
    cache.mkdir(parents=True, exist_ok=True)
    wheels = []
    for name in names:
        version = metadata.version(name)
        stem = f"{re.sub(r'[-.]+', '_', name).lower()}-{version}-"
        found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(stem)]
        if not found:
            log(f"Fetching {name}=={version} for the browser (PyPI, once).")
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                 "--dest", str(cache), f"{name}=={version}"], capture_output=True, text=True)
            found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(stem)]
            if result.returncode or not found:
                raise SiteError(f"no wheel of {name}=={version} for the browser: {result.stderr.strip()[-500:]}")
        if not found[0].name.endswith("-py3-none-any.whl") and "none-any" not in found[0].name:
            raise SiteError(f"{found[0].name} is not a pure-Python wheel: it cannot run in the browser")
        wheels.append(found[0])
    return wheels


def slim_babel(wheel: Path, dest: Path, langs=LANGUAGES) -> Path:
    """Babel's wheel with the CLDR data of the course's languages only (about 1 MB instead of 11).

    The package needs Babel for its catalogues, number formats and language
    names, in the languages it has catalogues for: ``root`` and, for each of
    them, its own file and its regional variants (``fr``, ``fr_CA``…). The
    other 700 locales' data would be downloaded by every reader for nothing.
    Adding a language's catalogue and rebuilding brings its data in.
    """
    keep = re.compile(r"babel/locale-data/(root|(%s)(_[A-Za-z0-9_]+)?)\.dat$" % "|".join(map(re.escape, langs)))
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        names = [n for n in source.namelist()
                 if not n.startswith("babel/locale-data/") or not n.endswith(".dat") or keep.match(n)]
        kept = set(names)
        for name in names:
            data = source.read(name)
            if name.endswith(".dist-info/RECORD"):
                lines = data.decode("utf-8").splitlines()
                data = ("\n".join(l for l in lines if l.split(",", 1)[0] in kept) + "\n").encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
    return target


# -------------------------------------------------------------------- build


def _lite_config() -> dict:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Reintegration · Réintégration",
            "disabledExtensions": ["@jupyterlite/application-extension:share-file"],
            "litePluginSettings": {
                KERNEL_SETTINGS: {
                    "pyodideUrl": "./pyodide/pyodide.js",
                    "disablePyPIFallback": True,
                    # The lock is the one beside pyodide.js (trimmed to what the exercises use,
                    # plus the local wheels); the course's package and the kernel's own
                    # packages are loaded with the runtime, all at once.
                    "loadPyodideOptions": {"packages": list(PRELOADED)},
                },
            },
        },
    }


def _template_path(stage: Path) -> Path:
    """The workshop's Voila template (assets served locally, book-only cells left out), for Voici."""
    from ..workshop import HERE as WORKSHOP, TEMPLATE

    data_dir = stage / "jupyter"
    target = data_dir / "voila" / "templates" / TEMPLATE
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(WORKSHOP / "template", target)
    return data_dir


def _relative_prefix(page: Path, site: Path) -> str:
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth or "./"


CONFIG_RE = re.compile(r'(<script id="jupyter-config-data" type="application/json">)(.*?)(</script>)', re.S)


# Without a secure context (a workshop over plain HTTP on the room's Wi-Fi) a browser has no
# service worker, and JupyterLite 0.6 then waits for one for ever: the kernel never starts. With
# this stand-in, registering fails at once, as in a private window, and the kernel starts without
# syncing the notebook's folder, which the exercises do not need (their data are in the wheel).
NO_SERVICE_WORKER = """<script>
if (!("serviceWorker" in navigator)) {
  Object.defineProperty(navigator, "serviceWorker", {value: {
    controller: null,
    register: () => Promise.reject(new Error("no service worker outside a secure context")),
    getRegistration: () => Promise.resolve(undefined),
    getRegistrations: () => Promise.resolve([]),
    addEventListener: () => {}, removeEventListener: () => {},
  }});
}
</script>
"""
# The dashboards do without JupyterLite's service worker altogether, even where one exists: with
# it, the notebook's folder became Python's working directory and every import looked there
# first, each look a round trip from the kernel's worker through the service worker to the page,
# hundreds of them before the exercise appeared; and it sat between the page and every file the
# page loads. Its plugin is disabled in their configuration. The notebook app keeps it (its file
# browser shows what the code writes).
SERVICE_WORKER_PLUGIN = "@jupyterlite/application-extension:service-worker-manager"


def fix_page_urls(site: Path, bytecode: bool = False) -> int:
    """Make the runtime's and piplite's URLs relative to each page.

    Voici copies ``./pyodide/…`` and ``./pypi/all.json`` into every dashboard,
    where they would resolve under ``voici/render/<lang>/`` and the kernel would
    never start.
    """
    fixed = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        match = CONFIG_RE.search(text)
        if not match:
            continue
        config = json.loads(html.unescape(match.group(2)) if "&#34;" in match.group(2) else match.group(2))
        settings = config.get("litePluginSettings", {}).get(KERNEL_SETTINGS)
        if not settings:
            continue
        prefix = _relative_prefix(page, site)
        settings.update(_page_kernel_settings(settings, prefix, light=_is_light(page, site), bytecode=bytecode))
        if "voici" in page.relative_to(site).parts:
            disabled = config.setdefault("disabledExtensions", [])
            if SERVICE_WORKER_PLUGIN not in disabled:
                disabled.append(SERVICE_WORKER_PLUGIN)
        new = match.group(1) + json.dumps(config, ensure_ascii=False) + match.group(3)
        text = text[:match.start()] + new + text[match.end():]
        if NO_SERVICE_WORKER not in text:
            text = text.replace("<head>", "<head>\n" + NO_SERVICE_WORKER, 1)
        page.write_text(text, encoding="utf-8")
        fixed += 1
    return fixed


def _relative(url: str, prefix: str) -> str:
    return prefix + url[2:] if url.startswith("./") else url


def _is_light(page: Path, site: Path) -> bool:
    """A dashboard (``voici/render/<lang>/<exercise>.html``) of an exercise that needs no compiled library."""
    parts = page.relative_to(site).parts
    return parts[:2] == ("voici", "render") and page.stem in LIGHT_EXERCISES


def _page_kernel_settings(settings: dict, prefix: str, light: bool = False, bytecode: bool = False) -> dict:
    options = dict(settings.get("loadPyodideOptions", {}))
    if light:
        options["packages"] = [p for p in options.get("packages", PRELOADED) if p not in HEAVY_PACKAGES]
    if bytecode:  # modules compiled at build time (reintegra.lite.bytecode), loaded with the runtime
        options["packages"] = [*options.get("packages", PRELOADED), bytecode_mod.COMPANION]
        # the kernel's extension resolves every ``…URL`` option from the site's base URL, not the page's
        options["stdLibURL"] = f"pyodide/{bytecode_mod.STDLIB}"
    if "lockFileURL" in options:
        options["lockFileURL"] = _relative(options["lockFileURL"], prefix)
    return {
        "pyodideUrl": _relative(settings.get("pyodideUrl", "./pyodide/pyodide.js"), prefix),
        "pipliteUrls": [_relative(url, prefix) for url in settings.get("pipliteUrls", [])],
        "disablePyPIFallback": True,
        "loadPyodideOptions": options,
    }


ROOT_CONFIG = '<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{}</script>\n'
LANDING_LINK = re.compile(r"\{\{ base_url \}\}voila/render/([\w-]+)\.ipynb\?lang=(\w+)")


def write_landing(site: Path, root: Path) -> list[Path]:
    """The site's own landing pages: the exercises in each language, linking to the dashboards.

    ``index.html`` opens in English, ``index-fr.html`` in French; each links to
    the other. They replace JupyterLite's and Voici's default pages (which lead
    to an app this site does not build, or load an icon font from a CDN).
    """
    from ..workshop import landing_page

    pages = []
    for lang in LANGUAGES:
        text = LANDING_LINK.sub(lambda m: f"voici/render/{m.group(2)}/{m.group(1)}.html", landing_page(lang, root))
        # JupyterLite's apps read the configuration of every folder above them from its index.html.
        text = text.replace("</head>", ROOT_CONFIG + "</head>", 1)
        page = site / ("index.html" if lang == "en" else f"index-{lang}.html")
        page.write_text(text, encoding="utf-8")
        pages.append(page)
    # Served as it is by a static host: no room there. ``workshop --lite`` answers it with its room instead.
    (site / "room.json").write_text('{"room": false}\n', encoding="utf-8")
    shutil.rmtree(site / "voici" / "tree", ignore_errors=True)
    (site / "voici" / "index.html").write_text(
        '<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=../index.html">'
        '<title>Reintegration · Réintégration</title><a href="../index.html">Exercises · Exercices</a>\n',
        encoding="utf-8")
    return pages


# What each local wheel brings, for its entry in the site's lock (Pyodide loads
# the package and these dependencies before the kernel starts).
LOCAL_PACKAGES = {
    # pandas, matplotlib and numpy come with the page (HEAVY_PACKAGES), not with the package
    "reintegra": ("reintegra", ["ipywidgets", "openpyxl", "babel"]),
    "ipywidgets": ("ipywidgets", ["comm", "jupyterlab-widgets", "ipython", "traitlets"]),
    "comm": ("comm", ["traitlets"]),
    "jupyterlab-widgets": ("jupyterlab_widgets", []),
    "openpyxl": ("openpyxl", ["et-xmlfile"]),
    "et-xmlfile": ("et_xmlfile", []),
    "babel": ("babel", []),
    # the kernel's own (jupyterlite-pyodide-kernel)
    "piplite": ("piplite", ["micropip"]),
    "ipykernel": ("ipykernel", []),
    "pyodide-kernel": ("pyodide_kernel", ["ipykernel", "comm", "ipython", "sqlite3", "ssl", "jedi"]),
    # only ``__pycache__`` files, beside the sources of the packages above (reintegra.lite.bytecode)
    bytecode_mod.COMPANION: (None, []),
}


def local_lock_entries(wheels: list[Path]) -> dict[str, dict]:
    """Lock entries for the local wheels: name, file, sha256, imports and dependencies."""
    entries = {}
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        key = runtime.canonical(name)
        module, depends = LOCAL_PACKAGES.get(key, (name, []))
        entries[key] = {
            "name": key, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": runtime.sha256(wheel), "package_type": "package", "imports": [module] if module else [],
            "depends": depends, "unvendored_tests": False, "shared_library": False,
        }
    return entries


def kernel_wheels(site: Path) -> list[Path]:
    """The kernel's own wheels in the built site (piplite, the ipykernel shim, pyodide_kernel)."""
    folder = site / KERNEL_WHEELS
    wanted = {runtime.canonical(n) for n in KERNEL_PACKAGES}
    found = [p for p in sorted(folder.glob("*.whl")) if runtime.canonical(p.name.split("-")[0]) in wanted]
    missing = wanted & {"piplite", "ipykernel", "pyodide-kernel"} - {runtime.canonical(p.name.split("-")[0]) for p in found}
    if missing:
        raise SiteError(f"the kernel's wheels {sorted(missing)} are not in {folder}")
    return found


def _compile_bytecode(target: Path, lock: dict, log=print) -> Path | None:
    """The bytecode of the standard library and of the packages every page starts with."""
    from .. import __version__

    every_page = runtime.needed_packages(lock, ("reintegra", *KERNEL_PACKAGES))
    wheels = sorted(target / e["file_name"] for e in every_page.values() if e["file_name"].endswith(".whl"))
    result = bytecode_mod.compile_runtime(target, wheels, __version__, runtime.cache_dir().parent / "bytecode", log)
    return result["wheel"] if result else None


def install_runtime(rt: runtime.Runtime, site: Path, wheels: list[Path], log=print) -> Path:
    """Copy the verified runtime into the site, its lock trimmed to what the exercises use.

    The course's wheel, the pure-Python wheels and the kernel's own wheels are
    added to the lock (with their own sha256), so that Pyodide loads them all
    at once as it starts, before the notebook's first import; the course's and
    the pure-Python ones are also in ``pypi/`` for piplite (``%pip install``).
    """
    target = site / "pyodide"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in rt.files():
        if path.name != "pyodide-lock.json":
            shutil.copy2(path, target / path.name)
    wheels = [*wheels, *kernel_wheels(site)]
    for wheel in wheels:
        shutil.copy2(wheel, target / wheel.name)
    lock = runtime.trimmed_lock(rt.lock, rt.packages)
    lock["packages"].update(local_lock_entries(wheels))
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    compiled = _compile_bytecode(target, lock, log)  # runs this runtime, which reads the lock
    if compiled:
        lock["packages"].update(local_lock_entries([compiled]))
        (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    (target / "LICENSES.md").write_text(runtime.licences_markdown(rt.folder, rt.lock, wheels), encoding="utf-8")
    return target


def build_site(root: Path | None = None, out: Path | None = None, log=print) -> Path:
    """Build the site; raises :class:`SiteError` or :class:`runtime.RuntimeError_` with a clear reason."""
    root = root or repo_root()
    out = out or site_dir(root)
    stage = root / "_build" / "lite-stage"
    shutil.rmtree(stage, ignore_errors=True)
    rt = runtime.ensure_runtime(log)
    contents = stage / "contents"
    write_contents(root, contents)
    wheels = [course_wheel(root, stage / "wheels"),
              *(slim_babel(w, stage / "wheels") if w.name.lower().startswith("babel-") else w
                for w in dependency_wheels(root, log))]
    lite_dir = stage / "lite"
    lite_dir.mkdir(parents=True)
    (lite_dir / LITE_JSON).write_text(json.dumps(_lite_config(), indent=1), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    # voici_core has no working __main__ (it imports the `voici` meta-package).
    cmd = [sys.executable, "-c", "from voici_core.app import main; main()", "build", "--lite-dir", str(lite_dir), "--contents", str(contents),
           "--output-dir", str(out), "--apps", "voici", "--apps", "notebooks",
           "--template", "reintegra", "--theme", "light", "--strip_sources", "True",
           "--show_tracebacks", "False", "--no-sourcemaps", "--no-unused-shared-packages"]
    for wheel in wheels:
        cmd += ["--piplite-wheels", str(wheel)]
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(_template_path(stage)), env.get("JUPYTER_PATH", "")]))
    result = subprocess.run(cmd, cwd=stage, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SiteError((result.stdout + result.stderr).strip()[-3000:])
    install_runtime(rt, out, wheels, log)
    from ..workshop import HERE as WORKSHOP, TEMPLATE

    shutil.copytree(WORKSHOP / "template" / "static",
                    out / "voila" / "templates" / TEMPLATE / "static", dirs_exist_ok=True)
    fix_page_urls(out, bytecode=(out / "pyodide" / bytecode_mod.STDLIB).is_file())
    write_landing(out, root)
    return out
