"""The workshop server against a participant's device that misbehaves, and a trainer's day.

Each server here runs with a memory ceiling (``RLIMIT_AS``, inherited by its
kernels) and every wait is short, so that a guard that fails cannot take the
machine down: the test fails instead. Most servers serve small notebooks made
for the test (a button, an image with binary buffers, a cell that fails), so
that their kernels start in a second or two.
"""
from __future__ import annotations

import asyncio
import contextlib
import html as markup
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from reintegra.workshop import Settings, voila_command
from reintegra.workshop.participant import Kernel, decode_frame

from conftest import free_port, running, wait_for_http

MEMORY_CEILING = 3 * 2**30  # address space of the server and of each kernel
V1 = "v1.kernel.websocket.jupyter.org"
KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _notebook(*cells: str) -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": source} for source in cells],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "exercises": 5},
            "nbformat": 4, "nbformat_minor": 5}


BUTTON = """import ipywidgets as w
button = w.Button(description="Check")
button.on_click(lambda _: open("/nonexistent/trainer/laptop/secret.csv"))
image = w.Image(value=bytes(range(256)) * 64, format="png")
w.VBox([button, image])"""


@pytest.fixture(scope="module")
def small_root(tmp_path_factory) -> Path:
    """A course folder with small exercises: widgets (one with binary buffers), and one that fails."""
    root = tmp_path_factory.mktemp("course")
    (root / "exercises").mkdir()
    (root / "exercises" / "buttons.ipynb").write_text(json.dumps(_notebook(BUTTON)))
    (root / "exercises" / "broken.ipynb").write_text(json.dumps(_notebook(
        "import sys\nprint('a warning from /home/trainer/secret/path.py', file=sys.stderr)",
        "open('/home/trainer/secret/cases.csv')")))
    return root


def _ceiling():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))


@contextlib.contextmanager
def serving(settings: Settings, root: Path, out_dir: Path, limits: dict | None = None):
    """The workshop's server for ``settings``, under the memory ceiling; yields (address, process, stdout file)."""
    command, env, url, _ = voila_command(settings, root, out_dir)
    env["JUPYTER_RUNTIME_DIR"] = str(out_dir / "runtime")
    if limits:
        env["REINTEGRA_WORKSHOP_LIMITS"] = json.dumps(limits)
    stdout = out_dir / "stdout.txt"
    with running(command, root, env, stdout, url, timeout=90, preexec_fn=_ceiling) as process:
        yield url, process, stdout


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _open_page(url: str, source: str | None = None) -> tuple[int, str, dict]:
    """GET a page (from ``source`` as the device's address): status, body, cookies."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60,
                                            source_address=(source, 0) if source else None)
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    response = connection.getresponse()
    body = response.read().decode("utf-8", errors="replace")
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        cookies[name] = value
    connection.close()
    return response.status, body, cookies


def _kernel_id(html: str) -> str:
    found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', html)
    assert found, html[-2000:]
    return found.group(1)


def _kernel_exists(base: str, kernel_id: str, query: str = "") -> bool:
    try:
        with urllib.request.urlopen(f"{base}api/kernels/{kernel_id}{query}", timeout=10):
            return True
    except urllib.error.HTTPError as error:
        assert error.code == 404, error.code
        return False


async def _connect(base: str, kernel_id: str, subprotocols=None, cookies: dict | None = None):
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = f"ws{base[4:]}api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())} if cookies else {}
    return await asyncio.wait_for(websocket_connect(HTTPRequest(url, headers=headers), subprotocols=subprotocols,
                                                    max_message_size=64 * 2**20), 20)


async def _answers(base: str, kernel_id: str) -> bool:
    """Another participant: a kernel_info_request on a new connection gets its reply."""
    connection = await _connect(base, kernel_id)
    kernel = Kernel(connection, uuid.uuid4().hex)
    parent = await kernel.send("kernel_info_request", {})
    replies = await kernel.replies(parent, lambda m: m["header"]["msg_type"] == "kernel_info_reply", 15)
    connection.close()
    return bool(replies)


def _run(coroutine):
    """Run a coroutine in its own thread: the session's Playwright (sync) may hold this thread's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _in_time(url: str, seconds: float) -> int:
    with urllib.request.urlopen(url, timeout=seconds) as response:
        return response.status


# ------------------------------------------------------------------ 1. frames


def test_frames_are_checked_before_anyone_reads_them():
    from jupyter_server.services.kernels.connection.base import serialize_binary_message, serialize_msg_to_ws_v1

    from reintegra.workshop.frames import BadFrame, check_legacy, check_v1, hidden_from_participants, outgoing_message

    with pytest.raises(BadFrame):
        check_v1((2**62).to_bytes(8, "little"))
    with pytest.raises(BadFrame):
        check_legacy((2**31 - 1).to_bytes(4, "big") + b"\0" * 12)
    with pytest.raises(BadFrame):  # an offset beyond the end
        check_v1((6).to_bytes(8, "little") + b"".join((10**9).to_bytes(8, "little") for _ in range(6)))
    parts = [json.dumps(p).encode() for p in ({"msg_type": "comm_msg"}, {}, {}, {"data": {}})] + [b"\x00\x01"]
    channel, read = check_v1(serialize_msg_to_ws_v1(parts, "shell"))
    assert channel == "shell" and read == parts
    message = {"header": {"msg_type": "error"}, "parent_header": {}, "metadata": {},
               "content": {"ename": "OSError", "traceback": ["/home/trainer"]}, "buffers": [b"xyz"]}
    legacy = serialize_binary_message(message)
    assert check_legacy(legacy)[1] == b"xyz"
    header, content = outgoing_message(legacy, None)  # a legacy frame is not read as v1
    assert header["msg_type"] == "error" and hidden_from_participants(header, content)
    assert not hidden_from_participants({"msg_type": "stream"}, {"name": "stdout"})
    assert hidden_from_participants({"msg_type": "stream"}, {"name": "stderr"})


def test_one_v1_frame_claiming_2_62_parts_does_not_stop_the_room(small_root, tmp_path):
    settings = Settings(lang="en", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, process, _):
        status, html, _ = _open_page(f"{base}voila/render/buttons.ipynb")
        assert status == 200
        kernel_id = _kernel_id(html)

        async def attack():
            connection = await _connect(base, kernel_id, subprotocols=[V1])
            assert connection.selected_subprotocol == V1
            await connection.write_message((2**62).to_bytes(8, "little"), binary=True)
            await asyncio.sleep(1)
            answered = await asyncio.wait_for(_answers(base, kernel_id), 20)
            closed = await asyncio.wait_for(connection.read_message(), 10)
            return answered, closed

        answered, closed = _run(attack())
        assert answered  # another participant still gets answers from the server...
        assert closed is None  # ...and the attacker's connection was closed
        assert _in_time(base, 10) == 200
        assert _rss_mb(process.pid) < 600


def test_a_legacy_client_receives_widget_state_with_binary_buffers(small_root, tmp_path):
    """Voila 0.5.13 read legacy binary frames as v1 ones: the state of a widget with buffers (the referral
    map has them; here an image) sent to a client that did not negotiate v1 stopped the server."""
    settings = Settings(lang="en", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, process, _):
        _, html, _ = _open_page(f"{base}voila/render/buttons.ipynb")
        kernel_id = _kernel_id(html)

        async def ask_state():
            connection = await _connect(base, kernel_id)  # no subprotocol: the legacy framing
            kernel = Kernel(connection, uuid.uuid4().hex)
            control = uuid.uuid4().hex
            await kernel.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                            "data": {}}, metadata={"version": "1.0.0"})
            parent = await kernel.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
            frames = []
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                frame = await asyncio.wait_for(connection.read_message(), deadline - time.monotonic())
                frames.append(frame)
                message = decode_frame(frame)
                if message.get("parent_header", {}).get("msg_id") == parent and \
                        message["content"].get("data", {}).get("method") == "update_states":
                    break
            answered = await asyncio.wait_for(_answers(base, kernel_id), 20)
            connection.close()
            return frames, answered

        frames, answered = _run(ask_state())
        states = decode_frame(frames[-1])
        assert isinstance(frames[-1], bytes) and states["buffers"]  # binary buffers, legacy framing
        assert any(s["model_name"] == "ImageModel" for s in states["content"]["data"]["states"].values())
        assert answered and _in_time(base, 10) == 200
        assert _rss_mb(process.pid) < 600


def test_a_malformed_legacy_frame_closes_only_that_connection(small_root, tmp_path):
    settings = Settings(lang="en", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, process, _):
        _, html, _ = _open_page(f"{base}voila/render/buttons.ipynb")
        kernel_id = _kernel_id(html)

        async def attack():
            connection = await _connect(base, kernel_id)
            await connection.write_message((2**31 - 1).to_bytes(4, "big") + b"\xff" * 4, binary=True)
            closed = await asyncio.wait_for(connection.read_message(), 10)
            return closed, await asyncio.wait_for(_answers(base, kernel_id), 20)

        closed, answered = _run(attack())
        assert closed is None and answered
        assert _rss_mb(process.pid) < 600


# ------------------------------------------------------- 2. kernels pile up


def test_leaving_a_page_frees_its_kernel_with_the_pages_own_call(small_root, tmp_path):
    """The page's beforeunload sends its ``_xsrf`` cookie back as a form field (Voila's widget manager)."""
    settings = Settings(lang="en", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, _, _):
        status, html, cookies = _open_page(f"{base}voila/render/buttons.ipynb")
        kernel_id = _kernel_id(html)
        assert _kernel_exists(base, kernel_id)
        assert "_xsrf" in cookies, cookies
        body = urllib.parse.urlencode({"_xsrf": cookies["_xsrf"]}).encode()
        request = urllib.request.Request(
            f"{base}voila/api/shutdown/{kernel_id}", data=body, method="POST",
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 204
        assert not _kernel_exists(base, kernel_id)


def test_a_kernel_whose_page_disconnected_is_freed(small_root, tmp_path):
    settings = Settings(lang="en", port=free_port(), pool=0)
    limits = {"release_s": 1, "unused_s": 600}
    with serving(settings, small_root, tmp_path, limits=limits) as (base, _, _):
        _, html, _ = _open_page(f"{base}voila/render/buttons.ipynb")
        kernel_id = _kernel_id(html)
        assert _run(_answers(base, kernel_id))  # connects, then the page goes away
        deadline = time.monotonic() + 40
        while _kernel_exists(base, kernel_id) and time.monotonic() < deadline:
            time.sleep(1)
        assert not _kernel_exists(base, kernel_id)


def test_kernels_are_capped_per_device_and_in_total_with_a_message_in_both_languages(small_root, tmp_path):
    settings = Settings(lang="en", lan=True, ip="127.0.0.2", token="s3cret", port=free_port(), pool=0)
    limits = {"per_device": 2, "total": 3}
    with serving(settings, small_root, tmp_path, limits=limits) as (base, _, _):
        page = f"http://127.0.0.2:{settings.port}/voila/render/buttons.ipynb?token=s3cret"
        assert [_open_page(page, "127.0.0.1")[0] for _ in range(2)] == [200, 200]
        status, body, _ = _open_page(page + "&lang=fr", "127.0.0.1")
        assert status == 429
        assert body.index("Trop d’exercices ouverts sur cet appareil") < body.index("Too many exercises open")
        assert "(2)" in body and "Traceback" not in body
        assert _open_page(page, "127.0.0.3")[0] == 200  # another device: the third page of the room
        status, body, _ = _open_page(page, "127.0.0.3")
        assert status == 503
        assert "The workshop is full for now" in body and "L’atelier est complet pour l’instant" in body
        # ?template= does not start a kernel outside the caps either
        assert _open_page(page + "&template=lab", "127.0.0.4")[0] == 503


# ------------------------------------------------ 3, 7. query channel, terminal


def test_the_preheated_kernels_channel_needs_the_servers_secret_and_the_terminal_stays_quiet(repo, tmp_path):
    """``/voila/query/<kernel id>`` answers the server's kernels only; the participant still gets the
    page in their language from the preheated kernel; the terminal shows the workshop's lines, no kernel id."""
    from tornado.httpclient import HTTPClientError
    from tornado.websocket import websocket_connect

    from reintegra.bench_workshop import expected_summary
    from reintegra.workshop import WARM_DIR_ENV, warm_kernels
    from reintegra.workshop.participant import visit

    settings = Settings(lang="en", port=free_port(), pool=1, preheat="three-dimensions")
    with serving(settings, repo, tmp_path) as (base, _, stdout):
        warm = tmp_path / "warm"
        deadline = time.monotonic() + 180
        while warm_kernels(warm) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert warm_kernels(warm) == 1

        async def listen(query: str):
            url = f"ws{base[4:]}voila/query/{uuid.uuid4()}{query}"
            try:
                connection = await websocket_connect(url)
            except HTTPClientError as refused:
                return refused.code
            connection.close()
            return 101

        assert _run(listen("")) == 403
        assert _run(listen("?secret=guess")) == 403
        seen = _run(visit(f"{base}voila/render/three-dimensions.ipynb?lang=fr", lang="fr",
                                 answer_index=1, timeout=120))
        assert seen.error == "" and seen.summary == expected_summary(1)
        time.sleep(1)
        printed = stdout.read_text()
    assert not KERNEL_ID.search(printed), printed
    assert printed.splitlines() == ["The workshop server is ready."], printed


# ------------------------------------------------------------ 4. network scope


def test_an_address_of_the_network_without_lan_is_refused_with_a_clear_message(tmp_path, capsys):
    from reintegra.workshop import ScopeError, listen_ip, main

    with pytest.raises(ScopeError) as refused:
        listen_ip(Settings(ip="0.0.0.0", lang="fr"))
    assert "--lan" in str(refused.value) and "sans jeton" in str(refused.value)
    assert main(["--ip", "0.0.0.0", "--port", str(free_port())]) == 2
    assert "--lan" in capsys.readouterr().err
    assert listen_ip(Settings(ip="127.0.0.1")) == "127.0.0.1"
    assert listen_ip(Settings(lan=True, ip="0.0.0.0")) == "0.0.0.0"  # with --lan, and its token


def test_local_mode_refuses_other_host_names(small_root, tmp_path):
    """DNS rebinding: a page of another site whose name now points at 127.0.0.1 gets nothing."""
    settings = Settings(lang="en", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, _, _):
        for host, wanted in ((f"attacker.example:{settings.port}", 403), (f"localhost:{settings.port}", 200),
                             (f"127.0.0.1:{settings.port}", 200), (f"[::1]:{settings.port}", 200)):
            request = urllib.request.Request(base, headers={"Host": host})
            try:
                with urllib.request.urlopen(request, timeout=20) as response:
                    status, body = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, body = error.code, markup.unescape(error.read().decode())
            assert status == wanted, host
            if wanted == 403:
                assert "This is not the workshop's address" in body and "Ce n’est pas l’adresse de l’atelier" in body


def _workshop(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    out = tmp_path / "terminal.txt"
    with out.open("wb") as handle:
        process = subprocess.Popen([sys.executable, "-m", "reintegra.cli", "workshop", *args],
                                   stdout=handle, stderr=subprocess.STDOUT, preexec_fn=_ceiling,
                                   env={**os.environ, "REINTEGRA_LANG": "en", "PYTHONUNBUFFERED": "1"})
    return process, out


def _descendants(pid: int) -> list[int]:
    from reintegra.workshop import descendants

    return descendants(pid)


def _alive(pids) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_busy_port_is_printed_as_used_and_a_signal_stops_everything(tmp_path, stop):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    process, out = _workshop(["--port", str(port), "--pool", "1", "--preheat", "three-dimensions"], tmp_path)
    try:
        deadline = time.monotonic() + 120
        while "http://" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.3)
        printed = out.read_text()
        address = re.search(r"http://127\.0\.0\.1:(\d+)/", printed)
        assert address and int(address.group(1)) != port, printed
        assert f"Port {port} is busy" in printed
        wait_for_http(address.group(0), timeout=90)  # the printed address is the one that works
        kernels = []
        while not kernels and time.monotonic() < deadline:
            kernels = [pid for pid in _descendants(process.pid)
                       if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            time.sleep(0.5)
        assert kernels
        started = _descendants(process.pid)
        process.send_signal(stop)
        process.wait(timeout=40)
        deadline = time.monotonic() + 15
        while _alive(started) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _alive(started) == []
        with pytest.raises(OSError):
            urllib.request.urlopen(address.group(0), timeout=5)
    finally:
        busy.close()
        if process.poll() is None:
            process.kill()
        for pid in _alive(_descendants(process.pid)):
            os.kill(pid, signal.SIGKILL)


# ------------------------------------------- 6. what participants must not see


def test_without_the_token_participants_get_the_courses_page(small_root, tmp_path):
    settings = Settings(lang="fr", lan=True, ip="127.0.0.2", token="s3cret", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, _, _):
        for path in ("", "voila/render/buttons.ipynb?lang=en"):
            with urllib.request.urlopen(f"http://127.0.0.2:{settings.port}/{path}", timeout=20) as response:
                assert urllib.parse.urlsplit(response.url).path == "/login"  # sent to the course's page
                body = response.read().decode()
            assert "buttons.ipynb" not in body and "kernelId" not in body
            assert "Setup a Password" not in body and "password" not in body.lower()
            assert "Ask your trainer for the link or the QR code" in body
            assert "Demandez à votre formateur ou à votre formatrice le lien ou le code QR" in body
        assert body.index("Ask your trainer") < body.index("Demandez")  # ?lang=en: English first


def test_errors_and_tracebacks_never_reach_the_participant(small_root, tmp_path):
    settings = Settings(lang="en", port=free_port(), pool=0)
    with serving(settings, small_root, tmp_path) as (base, _, stdout):
        status, html, _ = _open_page(f"{base}voila/render/broken.ipynb?lang=fr")
        assert "/home/trainer" not in html and "Traceback" not in html and "FileNotFoundError" not in html
        assert "Cette partie de l’exercice n’a pas pu s’afficher" in html
        assert "Please run Voilà" not in html
        status, html, _ = _open_page(f"{base}voila/render/missing.ipynb")
        assert status == 404 and "This page does not exist" in html and "Cette page n’existe pas" in html

        _, html, _ = _open_page(f"{base}voila/render/buttons.ipynb")
        kernel_id = _kernel_id(html)

        async def click():
            from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

            from reintegra.workshop.participant import _message

            received = []
            connection = await _connect(base, kernel_id)
            kernel = Kernel(connection, uuid.uuid4().hex)
            control = uuid.uuid4().hex
            await kernel.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                            "data": {}}, metadata={"version": "1.0.0"})
            parent = await kernel.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
            got = await kernel.replies(parent, lambda m: m["content"].get("data", {}).get("method") == "update_states", 20)
            states = got[-1]["content"]["data"]["states"]
            models = [i for i, e in states.items() if e["model_name"] == "ButtonModel"]
            assert models
            connection.close()
            for protocol in (None, [V1]):
                connection = await _connect(base, kernel_id, subprotocols=protocol)
                session = uuid.uuid4().hex

                async def send(msg_type, content, metadata=None):
                    message = _message(session, msg_type, content, metadata)
                    if protocol is None:
                        return await connection.write_message(json.dumps(message))
                    parts = [json.dumps(message[k]).encode() for k in ("header", "parent_header", "metadata", "content")]
                    await connection.write_message(serialize_msg_to_ws_v1(parts, "shell"), binary=True)

                for model in models:  # the button's callback fails
                    await send("comm_msg", {"comm_id": model, "data": {"method": "custom", "content": {"event": "click"}}})
                end = time.monotonic() + 6
                while time.monotonic() < end:
                    try:
                        frame = await asyncio.wait_for(connection.read_message(), end - time.monotonic())
                    except asyncio.TimeoutError:
                        break
                    if frame is None:
                        break
                    received.append(frame if isinstance(frame, str) else frame.decode("latin-1"))
                connection.close()
            return received

        received = _run(click())
        assert received  # the channel works (states, status messages)...
        everything = "\n".join(received)
        assert "/nonexistent/trainer" not in everything and "Traceback" not in everything  # ...errors stay home
        time.sleep(1)
        printed = stdout.read_text()
        assert "FileNotFoundError" in printed  # the trainer is told, in one line
        assert printed.count("FileNotFoundError") == 1


def test_pages_being_opened_count_towards_the_caps_and_disconnected_kernels_are_released():
    """Thirty participants arrive at once: a page counts from the moment it is asked for, before its
    kernel exists; a kernel whose page disconnected is released after the delay, a gone one forgotten."""
    from reintegra.workshop.server import Registry

    registry = Registry()
    opening = object()
    registry.pending[opening] = "10.0.0.5"
    assert registry.count("10.0.0.5") == 1 and registry.count() == 1 and registry.count("10.0.0.6") == 0
    registry.add("k1", "10.0.0.5", opening)
    assert registry.count() == 1 and not registry.pending
    limits = {"release_s": 0, "unused_s": 3600}
    assert registry.to_release({"k1"}, limits) == []  # never connected: waits for unused_s
    registry.connection("k1", +1)
    assert registry.to_release({"k1"}, limits) == []  # connected
    registry.connection("k1", -1)
    assert registry.to_release({"k1"}, limits) == ["k1"]  # its page went away
    assert registry.to_release(set(), limits) == [] and registry.count() == 0  # culled meanwhile: forgotten
