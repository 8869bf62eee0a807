"""The in-browser exercises (JupyterLite + a self-hosted Pyodide), built with the book.

Static checks: the site's configuration names no CDN, the runtime on disk is the
one the official Pyodide lock describes, a tampered file stops the build, the
exercise pages link to the site. The browser tests (``test_lite_browser.py``)
run the exercises offline and compare them with the server-side widgets.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reintegra.lite import runtime
from reintegra.lite.site import LOCAL_PACKAGES, lite_notebook
from reintegra.sphinxext import lite_links

from conftest import IN_CI

EXTERNAL = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[^\s\"'<>)]+")
CDN_WORDS = ("jsdelivr", "unpkg", "cdnjs", "pypi.org", "pythonhosted", "googleapis", "github.io")


@pytest.fixture(scope="session")
def lite_site(built_book) -> Path:
    site = built_book / "lite"
    assert (site / "pyodide" / "pyodide.js").is_file(), "./course book did not build the lite site"
    return site


def _page_configs(site: Path):
    for page in site.rglob("*.html"):
        match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                          page.read_text(encoding="utf-8"), re.S)
        if match:
            yield page, json.loads(match.group(1))


def test_the_site_configuration_names_no_cdn(lite_site):
    # the site's configuration and piplite's indexes (not the settings schemas, which name theirs)
    configs = [p for p in lite_site.rglob("jupyter-lite.json")] + [
        p for p in lite_site.rglob("all.json") if p.parent.name == "pypi"]
    assert configs, "no jupyter-lite.json found"
    for path in configs:
        text = path.read_text(encoding="utf-8")
        assert not [w for w in CDN_WORDS if w in text], path
        assert not EXTERNAL.findall(text), (path, EXTERNAL.findall(text)[:3])
    pages = list(_page_configs(lite_site))
    assert len(pages) >= 10  # five exercises, two languages
    for page, config in pages:
        settings = config.get("litePluginSettings", {}).get("@jupyterlite/pyodide-kernel-extension:kernel", {})
        if not settings:
            continue
        assert settings["disablePyPIFallback"] is True, page
        urls = [settings["pyodideUrl"], *settings["pipliteUrls"]]
        for url in urls:
            assert not url.startswith(("http:", "https:", "//")), (page, url)
            # relative to the page: it resolves to a file of the site
            target = (page.parent / url.split("?")[0]).resolve()
            assert target.is_file(), (page, url)
    for page in lite_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        links = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert not links, (page, links)


def test_the_runtime_on_disk_matches_the_official_lock(lite_site):
    official = runtime.ensure_runtime(log=lambda *_: None)
    site_lock = json.loads((lite_site / "pyodide" / "pyodide-lock.json").read_text())
    assert site_lock["info"]["version"] == runtime.PYODIDE_VERSION
    checked = 0
    for name, entry in site_lock["packages"].items():
        path = lite_site / "pyodide" / entry["file_name"]
        assert runtime.sha256(path) == entry["sha256"], path.name
        if name in official.lock["packages"]:
            assert entry == official.lock["packages"][name], name  # not changed by the trimming
            checked += 1
        else:
            assert name in LOCAL_PACKAGES, f"{name} is neither in the official lock nor a local wheel"
    assert checked == len(runtime.needed_packages(official.lock)) >= 27
    for name in ("numpy", "pandas", "matplotlib"):
        assert name in site_lock["packages"]
    assert "scipy" not in site_lock["packages"]  # trimmed to what the exercises use
    for core in ("pyodide.asm.wasm", "pyodide.asm.js", "python_stdlib.zip", "pyodide.js"):
        assert (lite_site / "pyodide" / core).read_bytes() == (official.folder / core).read_bytes(), core
    licences = (lite_site / "pyodide" / "LICENSES.md").read_text()
    assert "MPL-2.0" in licences and "numpy-2.0.2" in licences and "reintegra" in licences


def test_a_tampered_package_is_refused_with_its_name(tmp_path):
    official = runtime.ensure_runtime(log=lambda *_: None)
    folder = tmp_path / "pyodide"
    folder.mkdir()
    for path in official.files():
        (folder / path.name).write_bytes(path.read_bytes())
    assert runtime.verify(folder, official.lock) == []
    victim = folder / official.lock["packages"]["pandas"]["file_name"]
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF
    victim.write_bytes(bytes(data))
    problems = runtime.verify(folder, official.lock)
    assert len(problems) == 1 and victim.name in problems[0] and "does not match the official Pyodide lock" in problems[0]
    with pytest.raises(runtime.RuntimeError_, match=re.escape(victim.name)):
        runtime.verify_package(victim, official.lock["packages"]["pandas"])


def test_a_release_of_another_pyodide_is_refused(tmp_path, monkeypatch):
    release = tmp_path / "release"
    release.mkdir()
    (release / "pyodide-lock.json").write_text(json.dumps({"info": {"version": "0.26.4"}, "packages": {}}))
    monkeypatch.setenv(runtime.ENV_VAR, str(release))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(runtime.RuntimeError_, match="0.26.4"):
        runtime.ensure_runtime(log=lambda *_: None)


def test_the_browser_notebook_keeps_the_exercise_and_sets_the_language(repo):
    nb = lite_notebook(repo / "exercises" / "case-assessment.ipynb", "fr")
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert sources[0].startswith("# Évaluer la situation d’un migrant de retour")
    assert 'os.environ["REINTEGRA_LANG"] = "fr"' in sources[1]
    original = json.loads((repo / "exercises" / "case-assessment.ipynb").read_text())
    kept = ["".join(c["source"]) for c in original["cells"] if "book-only" not in c["metadata"].get("tags", [])]
    assert sources[2:] == kept  # the exercise's own code, unchanged
    assert nb["metadata"]["kernelspec"]["name"] == "python"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_exercise_page_offers_the_browser_and_the_notebook(built_book, lite_site, lang):
    words = {"en": ("Do this exercise in your browser", "Open as a notebook"),
             "fr": ("Faire l’exercice dans le navigateur", "Ouvrir comme notebook")}[lang]
    pages = sorted((built_book / lang / "exercises").glob("*.html"))
    assert len(pages) >= 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        run, notebook = lite_links(f"exercises/{page.stem}", lang)
        assert f'href="{run}"' in text and words[0] in text, page
        assert words[1] in text, page
        assert (page.parent / run).resolve().is_file(), run
        assert (page.parent / notebook.split("?")[0]).resolve().is_file(), notebook
        assert "pyodide" not in re.sub(r'href="[^"]*"', "", text).lower()  # the page itself loads no runtime
    ordinary = (built_book / lang / "index.html").read_text(encoding="utf-8")
    assert "lite/" not in ordinary


def test_the_lite_workshop_server_asks_for_the_token_then_keeps_it_and_compresses(tmp_path):
    import gzip
    import threading
    import urllib.error
    import urllib.request

    from reintegra.lite.serve import COOKIE, make_server

    site = tmp_path / "html"
    (site / "lite" / "pyodide").mkdir(parents=True)
    wasm = bytes(range(256)) * 400
    (site / "lite" / "pyodide" / "pyodide.asm.wasm").write_bytes(wasm)
    (site / "lite" / "index.html").write_text("<p>exercises</p>" * 100)
    server, stats = make_server(site, "127.0.0.1", 0, "s3cret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/lite/index.html")
        assert refused.value.code == 403
        assert "jeton" in refused.value.read().decode()  # the refusal speaks both languages
        with urllib.request.urlopen(f"{base}/lite/index.html?token=s3cret") as ok:
            cookie = ok.headers["Set-Cookie"]
            assert ok.status == 200 and cookie.startswith(f"{COOKIE}=s3cret") and "HttpOnly" in cookie
        request = urllib.request.Request(f"{base}/lite/pyodide/pyodide.asm.wasm",
                                         headers={"Cookie": f"{COOKIE}=s3cret", "Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Type"] == "application/wasm"
            assert response.headers["Content-Encoding"] == "gzip"
            assert "max-age" in response.headers["Cache-Control"]  # the runtime is cached by the browser
            body = response.read()
        assert gzip.decompress(body) == wasm and len(body) < len(wasm)
        wrong = urllib.request.Request(f"{base}/lite/index.html", headers={"Cookie": f"{COOKIE}=guess"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(wrong)
    finally:
        server.shutdown()
        server.server_close()
    assert stats.requests == 4


def test_the_cache_rule_keeps_what_cannot_change_and_checks_the_rest(tmp_path):
    """Both servers (the workshop's --lite and ./course book's) send what the browser may keep."""
    import http.server
    import threading
    import urllib.error
    import urllib.request

    from reintegra.build import book_handler
    from reintegra.lite.serve import IMMUTABLE, cache_control

    site = tmp_path / "html"
    runtime_dir = site / "lite" / "pyodide"
    runtime_dir.mkdir(parents=True)
    numpy, course = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", "reintegra-0.1.0-py3-none-any.whl"
    lock = {"info": {"version": "0.27.7"}, "packages": {
        "numpy": {"file_name": numpy, "sha256": "ab" * 32},
        "reintegra": {"file_name": course, "sha256": "cd" * 32},  # the course's own: rebuilt under the same name
    }}
    (runtime_dir / "pyodide-lock.json").write_text(json.dumps(lock))
    for name in (numpy, course):
        (runtime_dir / name).write_bytes(b"PK" + bytes(2000))
    (runtime_dir / "pyodide.asm.wasm").write_bytes(bytes(range(256)) * 40)
    (site / "lite" / "build").mkdir()
    (site / "lite" / "build" / "9380.ea4e6a8.js").write_text("x" * 2000)
    (site / "lite" / "index.html").write_text("<p>exercises</p>" * 100)
    (site / "en").mkdir()
    (site / "en" / "index.html").write_text("<p>book</p>" * 200)
    assert cache_control(site, f"lite/pyodide/{numpy}") == IMMUTABLE
    assert cache_control(site, f"lite/pyodide/{course}") == "no-cache"
    assert cache_control(site, "lite/pyodide/pyodide-lock.json") == "no-cache"
    assert cache_control(site, "lite/pyodide/pyodide.asm.wasm") == "public, max-age=86400"
    assert cache_control(site, "lite/build/9380.ea4e6a8.js") == IMMUTABLE
    assert cache_control(site, "lite/pypi/all.json", "sha256=" + "0f" * 32) == IMMUTABLE
    assert cache_control(site, "lite/pypi/all.json") == "no-cache"

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), book_handler(site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def get(path, **headers):
        try:
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, b""

    try:
        status, headers, body = get(f"/lite/pyodide/{numpy}")
        assert status == 200 and headers["Cache-Control"] == IMMUTABLE and body.startswith(b"PK")
        status, headers, _ = get("/lite/pyodide/pyodide.asm.wasm", **{"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
        zipped_tag = headers["ETag"]
        _, plain, _ = get("/lite/pyodide/pyodide.asm.wasm")
        assert plain["ETag"] != zipped_tag  # one validator per representation
        status, headers, body = get("/lite/index.html", **{"If-None-Match": get("/lite/index.html")[1]["ETag"]})
        assert status == 304 and body == b"" and headers["Cache-Control"] == "no-cache"
        status, headers, body = get(f"/lite/pyodide/{course}", **{"If-None-Match": '"stale", ' + zipped_tag})
        assert status == 200 and headers["Cache-Control"] == "no-cache"
        status, headers, body = get("/en/index.html")  # the editions: served as before
        assert status == 200 and b"book" in body and headers["Cache-Control"] is None
    finally:
        server.shutdown()
        server.server_close()


def test_each_dashboard_loads_the_kernel_with_the_runtime_and_only_the_libraries_it_needs(lite_site):
    from reintegra.lite.site import HEAVY_PACKAGES, KERNEL_PACKAGES, LIGHT_EXERCISES

    dashboards = {}
    for page, config in _page_configs(lite_site):
        settings = config.get("litePluginSettings", {}).get("@jupyterlite/pyodide-kernel-extension:kernel", {})
        if settings and page.parent.parent.name == "render":
            dashboards[(page.parent.name, page.stem)] = settings["loadPyodideOptions"]["packages"]
    assert len(dashboards) >= 10
    lock = json.loads((lite_site / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    for (lang, exercise), packages in dashboards.items():
        # the kernel skips its piplite installs only for packages named in this list
        assert set(KERNEL_PACKAGES) <= set(packages), (lang, exercise)
        assert all(runtime.canonical(p) in lock for p in packages), (lang, exercise)
        heavy = set(HEAVY_PACKAGES) & set(packages)
        assert heavy == (set() if exercise in LIGHT_EXERCISES else set(HEAVY_PACKAGES)), (lang, exercise)
    assert ("fr", "case-assessment") in dashboards and ("en", "referral-mapping") in dashboards
    assert not set(HEAVY_PACKAGES) & set(lock["reintegra"]["depends"])  # they come with the page


def test_the_kernel_starts_from_bytecode_compiled_from_the_official_sources(lite_site):
    """The standard library and the start's packages come compiled (``reintegra.lite.bytecode``), sources unchanged."""
    import zipfile

    from reintegra.lite import bytecode

    if bytecode.node() is None:
        message = "Node.js is not installed: the site is built without compiled bytecode"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    folder = lite_site / "pyodide"
    official = runtime.ensure_runtime(log=lambda *_: None)
    magic_312 = (3531).to_bytes(2, "little") + b"\r\n"  # CPython 3.12's bytecode, which Pyodide 0.27 runs
    with zipfile.ZipFile(official.folder / "python_stdlib.zip") as source, \
            zipfile.ZipFile(folder / bytecode.STDLIB) as compiled:
        names = set(compiled.namelist())
        for name in source.namelist():
            assert compiled.read(name) == source.read(name), name  # every official file, unchanged
        assert {"os.pyc", "json/__init__.pyc", "asyncio/base_events.pyc"} <= names
        header = compiled.read("os.pyc")[:8]
        # hash-based and checked (PEP 552): a source that differs is compiled again, never skipped
        assert header[:4] == magic_312 and int.from_bytes(header[4:8], "little") == 0b11
    lock = json.loads((folder / "pyodide-lock.json").read_text())["packages"]
    entry = lock[bytecode.COMPANION]
    assert runtime.sha256(folder / entry["file_name"]) == entry["sha256"]
    with zipfile.ZipFile(folder / entry["file_name"]) as wheel:
        pycs = [n for n in wheel.namelist() if ".dist-info/" not in n]
        assert pycs and all("__pycache__/" in n and n.endswith(".cpython-312.pyc") for n in pycs)
        assert {"IPython/core/__pycache__/interactiveshell.cpython-312.pyc",
                "reintegra/ui/__pycache__/assessment.cpython-312.pyc"} <= set(pycs)
        assert wheel.read(pycs[0])[:4] == magic_312
    dashboards = 0
    for page, config in _page_configs(lite_site):
        settings = config.get("litePluginSettings", {}).get("@jupyterlite/pyodide-kernel-extension:kernel", {})
        if settings and page.parent.parent.name == "render":
            options = settings["loadPyodideOptions"]
            assert options["stdLibURL"] == f"pyodide/{bytecode.STDLIB}", page
            assert bytecode.COMPANION in options["packages"], page
            dashboards += 1
    assert dashboards >= 10
