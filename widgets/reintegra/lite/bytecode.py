"""Python's compiled bytecode for the in-browser runtime, made at build time.

Pyodide ships the standard library and the pure-Python packages as source
only, so the browser compiled every module the kernel imports (IPython,
prompt_toolkit, jedi, traitlets, the standard library…) on every visit, even
with every file in its cache: about two thirds of a dashboard's start was
that compilation. The build compiles them once, with the very interpreter the
browser runs (this Pyodide, under Node.js), into:

* ``pyodide/python_stdlib-bytecode.zip``: the official standard library, every
  file unchanged, with each module's ``.pyc`` beside its source; the kernel
  loads it instead of ``python_stdlib.zip`` (``stdLibURL``);
* ``pyodide/reintegra_bytecode-<version>-py3-none-any.whl``: only
  ``__pycache__/*.pyc`` files for the packages every page loads (the kernel's
  and the course's), unpacked beside their sources with the runtime.

The official files stay as they are, verified against the official lock. The
``.pyc`` files are *checked* ones (PEP 552): Python compares the source's hash
with the one recorded and recompiles a module whose source differs, so a
stale file can slow a start, never change what runs. Tracebacks still show
the source. Without Node.js the build leaves them out, and the browser
compiles as before.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

STDLIB = "python_stdlib-bytecode.zip"
COMPANION = "reintegra-bytecode"
# Left out of the standard library's bytecode: the text codecs nobody here uses (a few
# are kept), and what cannot run in a browser.
STDLIB_SKIP = ("multiprocessing/", "idlelib/", "tkinter/", "turtledemo/", "lib2to3/", "ensurepip/", "venv/")
KEEP_ENCODINGS = ("__init__", "aliases", "utf_8", "utf_8_sig", "ascii", "latin_1", "idna", "cp1252",
                  "utf_16", "utf_16_le", "utf_32", "charmap", "punycode", "raw_unicode_escape", "unicode_escape")

# Run inside Pyodide (Python 3.12): ``compile`` there makes exactly the bytecode the browser loads.
COMPILE_PY = r'''
import importlib.util, json, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

TAG = sys.implementation.cache_tag
job = json.loads(JOB)
_skip = tuple(job["stdlib_skip"])
_keep_enc = set(job["keep_encodings"])


def _pyc(source, filename):
    code = compile(source, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=True))


def _entry(name):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _wanted_stdlib(name):
    if not name.endswith(".py") or name.startswith(_skip):
        return False
    if name.startswith("encodings/"):
        return name[len("encodings/"):-3] in _keep_enc
    return True


def _is_test(name):
    parts = name.split("/")[:-1]
    return "tests" in parts or "test" in parts


count = 0
if job.get("stdlib"):
    with zipfile.ZipFile(job["stdlib"]) as zin, zipfile.ZipFile(job["stdlib_out"], "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data)
            if _wanted_stdlib(info.filename):
                try:
                    pyc = _pyc(data, "/lib/python312.zip/" + info.filename)
                except SyntaxError:
                    continue
                zout.writestr(_entry(info.filename + "c"), pyc)
                count += 1

dist = job["dist_info"]
with zipfile.ZipFile(job["companion_out"], "w", zipfile.ZIP_DEFLATED) as zout:
    for name, text in job["metadata"].items():
        zout.writestr(_entry(dist + "/" + name), text)
    for wheel in job["wheels"]:
        with zipfile.ZipFile(wheel) as zin:
            for name in zin.namelist():
                if not name.endswith(".py") or _is_test(name) or ".dist-info/" in name:
                    continue
                data = zin.read(name)
                try:
                    pyc = _pyc(data, "/lib/python3.12/site-packages/" + name)
                except SyntaxError:
                    continue
                folder, _, file = name.rpartition("/")
                zout.writestr(_entry((folder + "/" if folder else "") + f"__pycache__/{file[:-3]}.{TAG}.pyc"), pyc)
                count += 1
sys.__stdout__.write(json.dumps({"compiled": count}) + "\n")
'''

RUN_MJS = r'''
import { loadPyodide } from "%(pyodide)s";
import fs from "fs";
const py = await loadPyodide({ indexURL: "%(index)s" });
py.FS.mkdirTree("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "%(host)s" }, "/host");
py.globals.set("JOB", fs.readFileSync("%(host)s/job.json", "utf8"));
py.runPython(fs.readFileSync("%(host)s/compile.py", "utf8"));
'''


def node() -> str | None:
    return shutil.which("node") or shutil.which("nodejs")


def _digest(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def compile_runtime(runtime_dir: Path, wheels: list[Path], version: str, cache: Path, log=print) -> dict | None:
    """Write the compiled standard library and the bytecode wheel into ``runtime_dir``.

    ``wheels``: the packages every page loads. Returns the bytecode wheel's
    file name and the standard library's, or None (no Node.js: nothing written).
    Both are kept in ``cache`` by the hash of what they were compiled from.
    """
    exe = node()
    if not exe:
        log("Node.js not found: the in-browser exercises will compile Python's modules on every start.")
        return None
    companion = f"{COMPANION.replace('-', '_')}-{version}-py3-none-any.whl"
    stdlib = runtime_dir / "python_stdlib.zip"
    key = _digest([stdlib, *wheels], COMPILE_PY)
    cached_stdlib = cache / f"stdlib-{_digest([stdlib], COMPILE_PY)}.zip"
    cached_companion = cache / f"companion-{key}.whl"
    if not (cached_stdlib.is_file() and cached_companion.is_file()):
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="reintegra-bytecode-") as tmp:
            host = Path(tmp)
            for wheel in wheels:
                shutil.copy2(wheel, host / wheel.name)
            job = {
                "stdlib": None if cached_stdlib.is_file() else "/host/python_stdlib.zip",
                "stdlib_out": "/host/stdlib-out.zip",
                "stdlib_skip": list(STDLIB_SKIP), "keep_encodings": list(KEEP_ENCODINGS),
                "companion_out": "/host/companion-out.whl",
                "wheels": [f"/host/{w.name}" for w in wheels],
                "dist_info": f"{COMPANION.replace('-', '_')}-{version}.dist-info",
                "metadata": {
                    "METADATA": f"Metadata-Version: 2.1\nName: {COMPANION}\nVersion: {version}\n"
                                "Summary: Compiled bytecode of the packages the in-browser exercises start with\n",
                    "WHEEL": "Wheel-Version: 1.0\nGenerator: reintegra\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                    "RECORD": "",
                },
            }
            if job["stdlib"]:
                shutil.copy2(stdlib, host / "python_stdlib.zip")
            (host / "job.json").write_text(json.dumps(job), encoding="utf-8")
            (host / "compile.py").write_text(COMPILE_PY, encoding="utf-8")
            script = host / "run.mjs"
            script.write_text(RUN_MJS % {"pyodide": (runtime_dir / "pyodide.mjs").resolve().as_uri(),
                                         "index": f"{runtime_dir.resolve()}/", "host": host}, encoding="utf-8")
            result = subprocess.run([exe, str(script)], capture_output=True, text=True, timeout=900)
            if result.returncode or not (host / "companion-out.whl").is_file():
                log("Python's bytecode for the browser could not be compiled; the exercises will compile it on "
                    f"every start. {(result.stdout + result.stderr).strip()[-1500:]}")
                return None
            if job["stdlib"]:
                shutil.move(host / "stdlib-out.zip", cached_stdlib)
            shutil.move(host / "companion-out.whl", cached_companion)
    shutil.copy2(cached_stdlib, runtime_dir / STDLIB)
    shutil.copy2(cached_companion, runtime_dir / companion)
    return {"stdlib": STDLIB, "wheel": runtime_dir / companion}
