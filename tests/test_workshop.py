"""Workshop mode: the landing page, the token, local assets only, no code execution."""
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from reintegra.workshop import Settings, landing_entries, landing_page, qr_code, voila_command

from conftest import free_port, wait_for_http


def test_every_exercise_notebook_is_on_the_landing_page_in_both_languages(repo):
    notebooks = sorted(p.stem for p in (repo / "exercises").glob("*.ipynb"))
    for lang in ("en", "fr"):
        entries = landing_entries(lang, repo)
        assert sorted(e["name"] for e in entries) == notebooks
        for entry in entries:
            assert entry["line"], f"{entry['name']} has no description in {lang}"
            assert entry["minutes"] > 0, f"{entry['name']} has no minutes in its metadata"
    page = landing_page("fr", repo)
    assert "Exercices de l’atelier" in page and "Workshop exercises" in page
    assert 'class="default" lang="fr"' in page.replace('id="lang-fr" ', "")


def test_the_qr_code_is_written_and_drawn(tmp_path):
    drawing = qr_code("http://192.0.2.10:8866/?token=abc", tmp_path / "qr.png")
    data = (tmp_path / "qr.png").read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 300
    assert len(drawing.splitlines()) > 10


def test_lan_mode_requires_a_token_and_local_mode_does_not(repo, tmp_path):
    lan = Settings(lan=True, ip="127.0.0.2", token="s3cret", port=free_port(), pool=0)
    command, env, url, token = voila_command(lan, repo, tmp_path / "lan")
    assert token == "s3cret" and url == f"http://127.0.0.2:{lan.port}/?token=s3cret"
    assert "--Voila.ip=127.0.0.2" in command and "--token=s3cret" in command
    random_one = voila_command(Settings(lan=True, ip="127.0.0.2", pool=0), repo, tmp_path / "r")[3]
    assert random_one and random_one != "s3cret"
    local = voila_command(Settings(pool=0), repo, tmp_path / "local")
    assert "--Voila.ip=127.0.0.1" in local[0] and local[3] is None


def test_a_participant_on_another_address_joins_with_the_token_only(repo, tmp_path):
    settings = Settings(lan=True, ip="127.0.0.2", token="s3cret", port=free_port(), pool=0)
    command, env, url, _ = voila_command(settings, repo, tmp_path)
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.2:{settings.port}/"
    try:
        wait_for_http(base, timeout=90)
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(base, timeout=10)
        assert refused.value.code in (302, 403)
        with pytest.raises(urllib.error.HTTPError):
            opener.open(f"{base}voila/render/three-dimensions.ipynb", timeout=10)
        with urllib.request.urlopen(f"{base}?token=s3cret", timeout=20) as response:
            page = response.read().decode("utf-8")
        assert response.status == 200
        assert "three-dimensions.ipynb" in page
        # Nothing listens on the loopback address: the workshop is bound to its own.
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{settings.port}/?token=s3cret", timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=20)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def test_landing_page_lists_the_exercises_and_opens_one(voila_server, page):
    page.goto(voila_server)
    links = page.locator("section.default ul.exercises a")
    assert links.count() >= 1
    assert page.get_by_text("Sort needs into the three dimensions").count() == 1
    page.get_by_text("Version française").click()
    assert page.locator("#lang-fr").is_visible()
    page.locator("#lang-fr a", has_text="Classer les besoins").click()
    page.locator("button", has_text="Vérifier mes réponses").wait_for(timeout=120_000)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_dashboards_load_nothing_from_outside_the_machine(voila_server, page, repo, lang):
    outside, failed = [], []

    def guard(route):
        if urlparse(route.request.url).hostname not in ("127.0.0.1", "localhost"):
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", guard)
    # Leaving a dashboard cancels its kernel shutdown call: not a failure to load.
    page.on("requestfailed", lambda request: failed.append(request.url) if "/api/shutdown/" not in request.url else None)
    page.on("response", lambda response: failed.append(response.url)
            if response.status >= 400 and "/api/shutdown/" not in response.url else None)
    for notebook in sorted(p.name for p in (repo / "exercises").glob("*.ipynb")):
        page.goto(f"{voila_server}voila/render/{notebook}?lang={lang}")
        page.locator(".widget-button:visible, .jupyter-button:visible, .widget-dropdown select:visible").first.wait_for(timeout=120_000)
        icons = page.locator(".fa, .fas, .fa-check")
        if icons.count():
            family = icons.first.evaluate("e => getComputedStyle(e, '::before').fontFamily")
            assert "Font Awesome" in family
    assert outside == []
    assert failed == []


def test_a_participant_cannot_run_code_through_the_page(voila_server, page, tmp_path):
    """Voila's kernel websocket passes widget messages only: an execute_request is dropped."""
    page.goto(f"{voila_server}voila/render/three-dimensions.ipynb")
    page.locator("button", has_text="Check my answers").wait_for(timeout=120_000)
    config = json.loads(page.locator("#jupyter-config-data").last.text_content())
    kernel = config["kernelId"]
    marker = tmp_path / "executed.txt"
    replies = page.evaluate(
        """async ([url, code]) => {
            const ws = new WebSocket(url);
            const seen = [];
            await new Promise((ok, ko) => { ws.onopen = ok; ws.onerror = ko; });
            ws.onmessage = (event) => seen.push(JSON.parse(event.data).header.msg_type);
            const send = (type, content) => ws.send(JSON.stringify({
                header: {msg_id: crypto.randomUUID(), msg_type: type, username: "p", session: "s",
                         date: new Date().toISOString(), version: "5.3"},
                parent_header: {}, metadata: {}, content, channel: "shell", buffers: []}));
            send("execute_request", {code, silent: false, store_history: false, user_expressions: {},
                                     allow_stdin: false, stop_on_error: true});
            send("kernel_info_request", {});
            await new Promise(r => setTimeout(r, 4000));
            ws.close();
            return seen;
        }""",
        [f"{voila_server.replace('http', 'ws')}api/kernels/{kernel}/channels?session_id={uuid.uuid4()}",
         f"open({str(marker)!r}, 'w').write('ran')"],
    )
    time.sleep(1)
    assert "kernel_info_reply" in replies, replies  # the channel works...
    assert "execute_reply" not in replies and "execute_input" not in replies  # ...but code is not run
    assert not marker.exists()


def _in_thread(coroutine):
    """Run an asyncio coroutine beside the session's (sync) Playwright."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_load_benchmark_client_answers_and_gets_its_own_summary(voila_server, browser):
    """The benchmark's participants without a browser make the page's requests, answer, and get the
    summary their own kernel computes, in their language."""
    import asyncio

    from reintegra.bench_workshop import expected_summary, record_assets
    from reintegra.workshop.participant import visit

    dashboard = f"{voila_server}voila/render/three-dimensions.ipynb"
    assets = record_assets(dashboard, browser)
    assert any(path.endswith(".woff2") for path in assets)  # fonts too, not just scripts
    assert all(path.startswith("/voila/") for path in assets)

    async def two():  # participant 1 in French with answer 1, participant 2 in English with answer 2
        return await asyncio.gather(*(visit(f"{dashboard}?lang={lang}", lang=lang, assets=assets,
                                            answer_index=number % 3, timeout=120)
                                      for number, lang in ((1, "fr"), (2, "en"))))

    french, english = _in_thread(two())
    for number, seen in ((1, french), (2, english)):
        assert seen.error == "", seen
        assert seen.summary == expected_summary(number)
        assert 0 < seen.page_s <= seen.assets_s <= seen.ready_s <= seen.feedback_s
        assert seen.assets_bytes > 1_000_000
    assert "sur 12" in french.summary and "of 12" in english.summary


def test_the_load_benchmark_client_reports_a_dashboard_it_cannot_use(voila_server):
    """A participant who does not find the button is counted as not in, with the reason; nothing raises."""
    from reintegra.workshop.participant import visit

    seen = _in_thread(visit(f"{voila_server}voila/render/three-dimensions.ipynb?lang=en", lang="fr",
                            timeout=120))
    assert seen.ready_s is None and seen.feedback_s is None and seen.summary == ""
    assert "Vérifier mes réponses" in seen.error, seen.error


def test_kernel_messages_in_binary_frames_are_decoded():
    import struct

    from reintegra.workshop.participant import decode_frame

    body = json.dumps({"header": {"msg_type": "comm_msg"}, "content": {}}).encode()
    buffers = [b"\x00\x01", b"abc"]
    offsets = [4 * 4]
    for part in (body, *buffers[:-1]):
        offsets.append(offsets[-1] + len(part))
    frame = struct.pack("!4I", 3, *offsets) + body + b"".join(buffers)
    message = decode_frame(frame)
    assert message["header"]["msg_type"] == "comm_msg"
    assert message["buffers"] == buffers
    assert decode_frame(json.dumps({"a": 1})) == {"a": 1}


def test_the_trainer_is_told_when_the_preheated_kernels_are_ready(tmp_path, capsys):
    """The workshop command prints one line when the pool becomes full, in the workshop's language."""
    import os

    from reintegra.workshop import _announce_when_warm, warm_kernels

    warm = tmp_path / "warm"
    warm.mkdir()
    (warm / str(os.getpid())).touch()  # a live process waiting for a participant
    (warm / "999999999").touch()  # a kernel that is gone: not counted
    assert warm_kernels(warm) == 1

    class Server:  # runs for three checks, then stops
        checks = 0

        def poll(self):
            self.checks += 1
            return None if self.checks <= 3 else 0

    _announce_when_warm(warm, Settings(lang="fr", pool=1, preheat="three-dimensions"), "three-dimensions", Server())
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Exercices prêts à l’avance\u00a0: 1 (three-dimensions). Les participants peuvent entrer."]
    _announce_when_warm(warm, Settings(lang="en", pool=2, preheat="three-dimensions"), "three-dimensions", Server())
    assert capsys.readouterr().out == ""  # one of two: not ready


def test_a_preheated_kernel_waits_for_a_participant_then_serves_them_in_their_language(repo, tmp_path):
    """On the room's network (another address, a token), the pool's kernel marks itself ready after the
    exercise's set-up, then gets the participant's request, ``?lang=fr`` included, and serves them."""
    from reintegra.bench_workshop import expected_summary
    from reintegra.workshop import WARM_DIR_ENV, warm_kernels
    from reintegra.workshop.participant import visit

    settings = Settings(lan=True, ip="127.0.0.2", token="s3cret", port=free_port(), pool=1,
                        preheat="three-dimensions")
    command, env, url, _ = voila_command(settings, repo, tmp_path)
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    warm = Path(env[WARM_DIR_ENV])
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(url, timeout=120)
        deadline = time.monotonic() + 180
        while warm_kernels(warm) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert warm_kernels(warm) == 1
        dashboard = f"http://127.0.0.2:{settings.port}/voila/render/three-dimensions.ipynb?lang=fr&token=s3cret"
        seen = _in_thread(visit(dashboard, lang="fr", answer_index=1, timeout=120))
        assert seen.error == "", seen.error
        assert seen.summary == expected_summary(1)  # French: the kernel read the participant's request
        assert warm_kernels(warm) == 0  # the kernel got its participant (its replacement comes later)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_trainers_file_above_the_loaders_limit_still_reaches_the_loader(repo, tmp_path):
    """Tornado drops a websocket message over 10 MiB and the dashboard resets with no word: the
    workshop raises that ceiling above the loader's own limit, so the loader's message is shown."""
    from reintegra.loader import MAX_UPLOAD_BYTES

    _, env, _, _ = voila_command(Settings(pool=0), repo, tmp_path)
    config = json.loads(env["REINTEGRA_VOILA_CONFIG"])
    ceiling = config["Voila"]["tornado_settings"]["websocket_max_message_size"]
    assert ceiling >= 2 * MAX_UPLOAD_BYTES > 10 * 1024 * 1024
