"""The trainer sees the room: three participants answer the same case, the trainer's view shows it."""

import pytest
from playwright.sync_api import expect

from reintegra.workshop import Settings, trainer_url, voila_command, wipe_room
from reintegra.workshop.store import RoomStore

from conftest import free_port, http_get, running

ROOM_TOKEN, TRAINER_TOKEN = "room-token-1", "trainer-token-2"


@pytest.fixture(scope="module")
def room_server(repo, tmp_path_factory):
    settings = Settings(lang="en", lan=True, ip="127.0.0.1", token=ROOM_TOKEN, trainer_token=TRAINER_TOKEN,
                        port=free_port(), pool=0)
    out_dir = tmp_path_factory.mktemp("room")
    command, env, url, _ = voila_command(settings, repo, out_dir)
    assert env["REINTEGRA_ROOM_DIR"] == str(out_dir) and TRAINER_TOKEN not in url
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("jupyter-runtime"))
    with running(command, repo, env, out_dir / "voila.log", f"http://127.0.0.1:{settings.port}/"):
        yield url, trainer_url(url, TRAINER_TOKEN), out_dir


def status(url):
    return http_get(url, timeout=20)


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


def _take(store, form, answers, which="full"):
    pid, _ = store.join()
    store.record(pid, f"{form}-test", form, {**answers, "set": which})
    return pid


def test_the_trainers_view_shows_the_pre_and_post_table_in_both_languages(tmp_path):
    from reintegra.workshop import room, roomview

    store = RoomStore(tmp_path)
    # Pre-test: three participants (one on the one-day set); post-test: two.
    pids = [_take(store, "pre", {"q1": "C", "q2": "A"}),               # q1 right, q2 wrong: 1 of 12
            _take(store, "pre", {"q1": "A", "q2": "B"}),               # q1 wrong, q2 right: 1 of 12
            _take(store, "pre", {"q1": "C", "q10": "B"}, "one-day"),   # both right: 2 of 6
            _take(store, "post", {"q1": "B", "q2": "C", "q10": "A"}),  # three right: 3 of 12
            _take(store, "post", {"q1": "B", "q2": "A"})]              # one right: 1 of 12

    results = roomview.tests_results(store, "en")
    assert len(results.pre_scores) == 3 and len(results.post_scores) == 2
    assert results.mean_pre == pytest.approx((1 / 12 + 1 / 12 + 2 / 6) / 3)
    assert results.mean_post == pytest.approx((3 / 12 + 1 / 12) / 2)
    q1, q2 = results.questions[0], results.questions[1]
    assert (q1.pre_correct, q1.pre_answered, q1.post_correct, q1.post_answered) == (2, 3, 2, 2)
    assert (q2.pre_correct, q2.pre_answered, q2.post_correct, q2.post_answered) == (1, 2, 1, 2)

    html, _ = roomview.tests_section(store, "en")
    assert "Pre-test and post-test" in html
    assert '<tr data-test="pre"><th scope="row">Pre-test</th><td>3</td><td>17%</td></tr>' in html
    assert '<tr data-test="post"><th scope="row">Post-test</th><td>2</td><td>17%</td></tr>' in html
    row_1 = html.split('data-question="1"')[1].split("</tr>")[0]
    assert "2 of 3 (67%)" in row_1 and "2 of 2 (100%)" in row_1 and "+33" in row_1
    assert 'data-question="6"' not in html  # nobody answered it
    fr, _ = roomview.tests_section(store, "fr")
    assert "Test de départ et test final" in fr and "2 sur 3 (67\u202f%)" in fr and "Progression (points)" in fr
    # the live part of the trainer's page carries the table
    assert 'data-question="10"' in roomview.render_case(store, "karim", "en")

    # the exports carry it, with no pseudonym and no identifier
    rows = roomview.export(store, "fr")
    tests_rows = [r for r in rows if r[0] == "Test de départ et test final"]
    assert tests_rows[0][1:5] == ["Score moyen au test de départ", "", "3", "17\u202f%"]
    assert any(r[1] == "Question 1 (Module 1)" and r[3] == "3/2" for r in tests_rows)
    text = room.export_csv(rows, "fr") + room.export_html(rows, "fr")
    for pid in pids:
        assert pid not in text and store.pseudonym(pid) not in text


def test_no_table_before_anyone_takes_a_test(tmp_path):
    from reintegra.workshop import roomview

    store = RoomStore(tmp_path)
    assert roomview.tests_section(store, "en") == ("", None)
    assert "Pre-test and post-test" not in roomview.render_case(store, "karim", "en")
