"""``./course lab``: JupyterLab on the exercises, on this computer only, without the internet."""
from __future__ import annotations

import json
import subprocess
import urllib.request

from conftest import free_port, wait_for_http

from reintegra.cli import lab_command, main


def test_lab_command_serves_the_exercises_locally_in_the_chosen_language(repo, tmp_path):
    port = free_port()
    command, env = lab_command("fr", port, open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in command and "--LabApp.news_url=None" in command
    assert env["REINTEGRA_LANG"] == "fr"
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    token = "reintegra-test"
    process = subprocess.Popen(command + [f"--IdentityProvider.token={token}"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for_http(f"{base}api/status?token={token}", timeout=120)
        with urllib.request.urlopen(f"{base}api/contents?token={token}") as response:
            listing = json.load(response)
        names = {item["name"] for item in listing["content"]}
        assert {"case-assessment.ipynb", "referral-mapping.ipynb"} <= names
        with urllib.request.urlopen(f"{base}lab?token={token}") as response:
            assert response.status == 200 and b"JupyterLab" in response.read()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_lab_rejects_an_unknown_language(capsys):
    try:
        main(["lab", "--lang", "de"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "invalid choice" in capsys.readouterr().err
