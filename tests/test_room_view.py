"""The trainer sees the room: three participants answer the same case, the trainer's view shows it."""
import subprocess
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from reintegra.workshop import Settings, trainer_url, voila_command, wipe_room
from reintegra.workshop.store import RoomStore

from conftest import free_port, wait_for_http

ROOM_TOKEN, TRAINER_TOKEN = "room-token-1", "trainer-token-2"


@pytest.fixture(scope="module")
def room_server(repo, tmp_path_factory):
    settings = Settings(lang="en", lan=True, ip="127.0.0.1", token=ROOM_TOKEN, trainer_token=TRAINER_TOKEN,
                        port=free_port(), pool=0)
    out_dir = tmp_path_factory.mktemp("room")
    command, env, url, _ = voila_command(settings, repo, out_dir)
    assert env["REINTEGRA_ROOM_DIR"] == str(out_dir) and TRAINER_TOKEN not in url
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("jupyter-runtime"))
    log = out_dir / "voila.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=repo, env=env, stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{settings.port}/", timeout=120)
        yield url, trainer_url(url, TRAINER_TOKEN), out_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_the_trainers_view_opens_with_the_trainers_token_only(room_server):
    url, trainer, _ = room_server
    root = url.split("?")[0]
    for refused in (f"{root}room", f"{root}room?token={ROOM_TOKEN}", f"{root}room?trainer={ROOM_TOKEN}",
                    f"{root}room/data.json?token={ROOM_TOKEN}", f"{root}room/export.csv?trainer=wrong&lang=fr"):
        code, body = status(refused)
        assert code == 403, refused
        assert "trainer" in body and "formateur" in body and "case-assessment" not in body
    code, body = status(trainer)
    assert code == 200 and "Discussion list" in body
    code, body = status(trainer.replace("lang=en", "lang=fr"))
    assert code == 200 and "Liste de discussion" in body and 'lang="fr"' in body


def answer(context, url, option):
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.get_by_role("link", name="Assess a returnee's situation").click()
    page.wait_for_url("**/voila/render/case-assessment.ipynb?lang=en&pid=*")
    page.get_by_role("button", name="Draw another name").wait_for()
    name = page.get_by_text("In the room's answers you are").inner_text()
    page.locator("select").first.select_option(index=1)  # the first case: Karim
    page.locator(".ra-file h3", has_text="Karim Belhaj").wait_for()
    page.get_by_label(option, exact=True).check()
    return page, name


def test_three_participants_answer_and_the_trainer_sees_the_distribution(room_server, browser):
    url, trainer, out_dir = room_server
    contexts = [browser.new_context(viewport={"width": 1100, "height": 900}) for _ in range(3)]
    watcher = browser.new_context(viewport={"width": 360, "height": 800})
    try:
        view = watcher.new_page()
        view.goto(trainer + "&case=karim")
        pages = []
        for context, option in zip(contexts, ("No income", "No income", "Regular, but not enough for basic needs")):
            pages.append(answer(context, url, option))

        # The trainer's page refreshes itself: the income item shows 2 × "none" and 1 × the reference.
        row = view.locator('tr[data-item="eco_income"]')
        row.locator('li[data-code="none"] b').filter(has_text="2").wait_for(timeout=60_000)
        assert row.locator('li[data-code="regular_low"] b').inner_text() == "1"
        assert "1 of 3" in row.inner_text()
        assert "3 participants have answered" in view.inner_text("#room")
        assert view.evaluate("document.documentElement.scrollWidth") <= 360

        store = RoomStore(out_dir)
        answers = store.by_participant("case-assessment", "karim")
        assert sorted(a["eco_income"] for a in answers.values()) == ["none", "none", "regular_low"]

        # A reload keeps the participant's name and answers.
        page, name = pages[0]
        page.reload()
        page.get_by_role("button", name="Draw another name").wait_for()
        assert page.get_by_text("In the room's answers you are").inner_text() == name
        page.locator("select").first.select_option(index=1)
        page.locator(".ra-file h3", has_text="Karim Belhaj").wait_for()
        expect(page.get_by_label("No income", exact=True)).to_be_checked(timeout=30_000)
        assert len(store.by_participant("case-assessment", "karim")) == 3

        # The exports hold the aggregates, never a pseudonym.
        code, csv = status(trainer.replace("/room?", "/room/export.csv?"))
        assert code == 200 and "No income: 2" in csv
        code, report = status(trainer.replace("/room?", "/room/report.html?"))
        assert code == 200 and "Karim Belhaj" in report
        for _, shown in pages:
            pseudonym = shown.split("you are ")[1].split(":")[0]
            assert pseudonym not in csv and pseudonym not in report and pseudonym not in view.content()
    finally:
        for context in (*contexts, watcher):
            context.close()


def test_the_wipe_command_erases_the_store_and_says_so_in_both_languages(tmp_path, capsys):
    store = RoomStore(tmp_path)
    pid, _ = store.join()
    store.record(pid, "case-assessment", "karim", {"eco_income": "none"})
    store.close()
    assert wipe_room(tmp_path, "en") == 0
    said = capsys.readouterr().out
    assert "The room's answers are erased" in said and "Les réponses de la salle sont effacées" in said
    assert not (tmp_path / "room.sqlite").exists()
    wipe_room(tmp_path, "fr")
    said = capsys.readouterr().out
    assert said.index("Aucune réponse") < said.index("There are no")
