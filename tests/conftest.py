"""Shared fixtures: the built book, a headless browser, a Voila server."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

from reintegra.devtools import CHROMIUM_ARGS, chromium_path  # noqa: E402


@pytest.fixture(scope="session")
def repo() -> Path:
    return ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s: {last}")


# ------------------------------------------------------------------------- book


@pytest.fixture(scope="session")
def built_book(repo) -> Path:
    """Both editions, built as `./course book --no-serve` builds them (execution cache reused)."""
    from reintegra import build

    code = build.build_book(["en", "fr"], quiet=True)
    assert code == 0, "the book did not build without warnings (see the captured output)"
    return repo / "_build" / "html"


# ---------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright. In CI a missing browser fails the test."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        if IN_CI:
            pytest.fail(f"Playwright is not installed: {exc}")
        pytest.skip("Playwright is not installed")
    if executable is None:
        message = "no Chromium found (apt-get install chromium, or set REINTEGRA_CHROMIUM)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001
            if IN_CI:
                pytest.fail(f"Chromium could not start: {exc}")
            pytest.skip(f"Chromium could not start: {exc}")
        yield instance
        instance.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def static_server(built_book):
    """The built book served over HTTP on a free local port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(built_book)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def running(command, cwd, env, log: Path, url: str, timeout: float = 120, **popen):
    """A server process writing to ``log``, until ``url`` answers; stopped (then killed) at the end. Yields the process."""
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, **popen)
    try:
        wait_for_http(url, timeout=timeout)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def http_get(url: str, timeout: float = 30) -> tuple[int, str]:
    """The status and text of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.fixture(scope="session")
def voila_server(repo, tmp_path_factory):
    """The workshop server (Voila with the course's template, preheated kernels) on a free local port."""
    from reintegra.workshop import Settings, voila_command

    settings = Settings(lang="en", port=free_port(), pool=1)
    out_dir = tmp_path_factory.mktemp("workshop")
    command, env, url, _ = voila_command(settings, repo, out_dir)
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("jupyter-runtime"))
    log = out_dir / "voila.log"
    with running(command, repo, env, log, url, timeout=120) as process:
        yield url
    if process.returncode not in (0, -15, None):
        print(log.read_text(errors="replace")[-4000:])
