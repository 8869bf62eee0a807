"""Workshop mode: the landing page, the token, local assets only, no code execution."""
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
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
        page.locator(".widget-button, .jupyter-button").first.wait_for(timeout=120_000)
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
