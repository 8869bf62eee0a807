"""The browser-only workshop keeps a room too: the pages send their answers' codes, the trainer sees them.

The lite server runs here on a small site folder with a room; requests go to
127.0.0.1 only. The participant's side (the Recorder's *Send my answers*
button, which runs in Pyodide in a real workshop) is driven through a stand-in
for Pyodide's ``js`` module whose ``XMLHttpRequest`` makes real HTTP requests to
the server, keeping cookies as a browser does.
"""
from __future__ import annotations

import http.client
import json
import sys
import threading
import types
import urllib.parse

import pytest

from reintegra.lite import room as lite_room
from reintegra.lite.serve import make_server
from reintegra.workshop.store import RoomStore

from conftest import free_port

ROOM_TOKEN, TRAINER_TOKEN = "room-token-1", "trainer-token-2"
ROOM_COOKIE = f"reintegra_workshop={ROOM_TOKEN}"


@pytest.fixture()
def lite(tmp_path):
    site = tmp_path / "html"
    (site / "lite").mkdir(parents=True)
    (site / "lite" / "room.json").write_text('{"room": false}\n', encoding="utf-8")
    (site / "index.html").write_text("<!DOCTYPE html><title>Book</title>", encoding="utf-8")
    folder = tmp_path / "workshop"
    room = lite_room.Room(folder, TRAINER_TOKEN, lite_room.RateLimit(burst=8, every_s=60))
    server, _ = make_server(site, "127.0.0.1", free_port(), ROOM_TOKEN, room=room)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], folder, site
    finally:
        server.shutdown()
        server.server_close()


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    heads = {"Cookie": ROOM_COOKIE}
    if body is not None:
        heads["Content-Type"] = "application/json"
    heads.update(headers or {})
    heads = {k: v for k, v in heads.items() if v is not None}
    connection.request(method, path, body=body, headers=heads)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


def answers(items, exercise="case-assessment", subject="karim"):
    return json.dumps({"answers": [{"exercise": exercise, "subject": subject, "items": items}]})


def stored(folder, exercise="case-assessment", subject="karim"):
    return RoomStore(folder).by_participant(exercise, subject)


def test_valid_answers_are_stored_with_a_random_participant_kept_in_a_cookie(lite):
    port, folder, _ = lite
    status, _, body = call(port, "GET", "/lite/room.json")
    assert status == 200 and json.loads(body) == {"ok": True, "room": True, "pseudonym": None}
    status, headers, body = call(port, "POST", "/room/api/answers",
                                 answers({"eco_income": "none", "need:housing": "yes"}))
    answer = json.loads(body)
    assert status == 200 and answer["ok"] and answer["saved"] == 2
    cookie = headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith("reintegra_participant=") and "HttpOnly" in headers["Set-Cookie"]
    pid = cookie.split("=", 1)[1]
    assert stored(folder) == {pid: {"eco_income": "none", "need:housing": "yes"}}
    assert RoomStore(folder).pseudonym(pid) == answer["pseudonym"]
    # sent again after a change, from the same browser: the same participant, the last answer counts
    status, _, body = call(port, "POST", "/room/api/answers",
                           answers({"eco_income": "occasional", "need:housing": None}),
                           {"Cookie": f"{ROOM_COOKIE}; {cookie}"})
    assert status == 200 and json.loads(body)["pseudonym"] == answer["pseudonym"]
    assert stored(folder) == {pid: {"eco_income": "occasional"}}
    status, _, body = call(port, "GET", "/lite/room.json", headers={"Cookie": f"{ROOM_COOKIE}; {cookie}"})
    assert json.loads(body)["pseudonym"] == answer["pseudonym"]
    # a reloaded page asks for its own answers: only this participant's, with their cookie
    mine = "/room/api/mine?exercise=case-assessment&subject=karim"
    status, _, body = call(port, "GET", mine, headers={"Cookie": f"{ROOM_COOKIE}; {cookie}"})
    assert (status, json.loads(body)) == (200, {"ok": True, "answers": {"eco_income": "occasional"}})
    assert json.loads(call(port, "GET", mine)[2]) == {"ok": True, "answers": {}}  # another device: nothing
    assert call(port, "GET", mine, headers={"Cookie": cookie})[0] == 403  # without the room's token
    assert call(port, "GET", "/room/api/mine?exercise=diary&subject=karim")[0] == 400
    # the participant erases their own answers
    status, _, body = call(port, "POST", "/room/api/erase", "{}", {"Cookie": f"{ROOM_COOKIE}; {cookie}"})
    assert status == 200 and json.loads(body)["erased"] is True
    assert stored(folder) == {}


@pytest.mark.parametrize("body, headers, code, error", [
    ("{not json", None, 400, "bad_json"),
    (answers({"eco_income": "none"}), {"Content-Type": "text/plain"}, 415, "not_json"),
    (answers({"eco_income": "none"}), {"Cookie": None}, 403, "token"),  # no room token
    (answers({"eco_income": "none"}), {"Cookie": "reintegra_workshop=wrong"}, 403, "token"),
    (answers({"eco_income": "none"}), {"Origin": "http://elsewhere.example"}, 403, "origin"),
    (answers({"eco_income": "none"}, exercise="diary"), None, 400, "unknown_code"),
    (answers({"eco_income": "none"}, subject="nobody"), None, 400, "unknown_code"),
    (answers({"not_an_item": "none"}), None, 400, "unknown_code"),
    (answers({"eco_income": "lots"}), None, 400, "unknown_code"),
    (answers({"eco_income": "Karim called me on Monday"}), None, 400, "unknown_code"),  # free text
    (answers({"eco_income": "=HYPERLINK(\"http://x\")"}), None, 400, "unknown_code"),  # a formula
    (answers({"eco_income": 3}), None, 400, "unknown_code"),
    (answers({"need:housing": "no"}), None, 400, "unknown_code"),
    (json.dumps({"answers": [], "name": "Fatima"}), None, 400, "unknown_code"),
    (json.dumps([1, 2]), None, 400, "unknown_code"),
    ("x" * (lite_room.MAX_BYTES + 1), None, 413, "too_large"),
])
def test_bad_requests_are_refused_and_store_nothing(lite, body, headers, code, error):
    port, folder, _ = lite
    status, _, data = call(port, "POST", "/room/api/answers", body, headers)
    assert (status, json.loads(data)) == (code, {"ok": False, "error": error})
    assert stored(folder) == {}


def test_the_pre_test_and_post_test_answers_are_accepted_as_letters_only(lite):
    port, folder, _ = lite
    body = json.dumps({"answers": [{"exercise": "pre-test", "subject": "pre",
                                    "items": {"q1": "B", "q2": None, "set": "one-day"}}]})
    status, _, data = call(port, "POST", "/room/api/answers", body)
    assert status == 200 and json.loads(data)["saved"] == 3
    assert list(stored(folder, "pre-test", "pre").values()) == [{"q1": "B", "set": "one-day"}]
    for items, subject in (({"q1": "E"}, "pre"), ({"q99": "A"}, "pre"), ({"q1": "A"}, "post"),
                           ({"set": "half-day"}, "pre")):
        body = json.dumps({"answers": [{"exercise": "pre-test", "subject": subject, "items": items}]})
        assert call(port, "POST", "/room/api/answers", body)[0] == 400, items


def test_one_unknown_code_refuses_the_whole_request(lite):
    port, folder, _ = lite
    body = json.dumps({"answers": [
        {"exercise": "case-assessment", "subject": "karim", "items": {"eco_income": "none"}},
        {"exercise": "referral-mapping", "subject": "C000011", "items": {"consent": "maybe"}}]})
    status, _, _ = call(port, "POST", "/room/api/answers", body)
    assert status == 400 and stored(folder) == {}


def test_each_device_is_rate_limited(lite):
    port, _, _ = lite
    codes = [call(port, "POST", "/room/api/answers", answers({"eco_income": "none"}))[0] for _ in range(10)]
    assert codes[:8] == [200] * 8 and codes[8:] == [429, 429]


def test_only_json_posts_to_the_api_and_nothing_else_is_written(lite):
    port, _, site = lite
    assert call(port, "POST", "/index.html", "{}")[0] == 405
    assert call(port, "GET", "/room/api/answers")[0] == 405
    assert call(port, "GET", "/index.html")[0] == 200  # the site is still served
    assert call(port, "GET", "/index.html", headers={"Cookie": None})[0] == 403  # with the room's token only


def test_the_trainers_view_in_lite_mode_opens_with_the_trainers_token_only(lite):
    port, folder, _ = lite
    for n, value in enumerate(("none", "none", "occasional")):
        pid = f"participant{n:02d}".ljust(32, "x")
        RoomStore(folder).join(pid)
        RoomStore(folder).record(pid, "case-assessment", "karim", {"eco_income": value})
    for path in ("/room", f"/room?token={ROOM_TOKEN}", f"/room?trainer={ROOM_TOKEN}", "/room/data.json",
                 "/room/export.csv?trainer=wrong", "/room/report.html"):
        status, _, body = call(port, "GET", path)
        text = body.decode("utf-8")
        assert status == 403, path
        assert "trainer" in text and "formateur" in text and "eco_income" not in text
    status, _, body = call(port, "GET", f"/room?trainer={TRAINER_TOKEN}&lang=fr&case=karim", headers={"Cookie": None})
    assert status == 200 and "Liste de discussion" in body.decode("utf-8")
    status, _, body = call(port, "GET", f"/room/data.json?trainer={TRAINER_TOKEN}&case=karim")
    data = json.loads(body)
    assert status == 200 and "3 participants have answered" in data["html"]
    assert '<tr data-item="eco_income">' in data["html"] and "<b>2</b>" in data["html"]
    status, headers, body = call(port, "GET", f"/room/export.csv?trainer={TRAINER_TOKEN}")
    text = body.decode("utf-8-sig")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "participant0" not in text and not any(cell.startswith(("=", "+", "@"))
                                                  for line in text.splitlines() for cell in line.split(","))


# ---------------------------------------------------------------- the participant's page, in Pyodide

class FakeBrowser:
    """Pyodide's ``js`` module as the exercises see it in a lite workshop: ``XMLHttpRequest`` to the page's
    origin (here the test's server), with the browser's cookies."""

    def __init__(self, port: int | None, cookies: dict[str, str] | None = None, path: str = "/lite/build/worker.js"):
        self.cookies = dict(cookies or {})
        self.requests: list[tuple[str, str]] = []
        origin = f"http://127.0.0.1:{port}" if port else "http://127.0.0.1:9"
        browser = self

        class XMLHttpRequest:
            @classmethod
            def new(cls):
                return cls()

            def open(self, method, url, asynchronous):
                assert asynchronous is False and url.startswith(origin + "/")  # the page's own origin only
                self.method, self.url, self.headers = method, url, {}

            def setRequestHeader(self, name, value):  # noqa: N802 - the browser's name
                self.headers[name] = value

            def send(self, body=None):
                browser.requests.append((self.method, self.url))
                parts = urllib.parse.urlsplit(self.url)
                cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
                try:
                    path = parts.path + (f"?{parts.query}" if parts.query else "")
                    status, headers, data = call(parts.port, self.method, path, body,
                                                 {**self.headers, "Cookie": cookie or None})
                except OSError as error:
                    raise RuntimeError("NetworkError") from error
                for name, value in headers.items():
                    if name.lower() == "set-cookie":
                        key, _, val = value.split(";")[0].partition("=")
                        browser.cookies[key] = val
                self.status, self.responseText = status, data.decode("utf-8")

        self.module = types.SimpleNamespace(XMLHttpRequest=XMLHttpRequest,
                                            location=types.SimpleNamespace(origin=origin, pathname=path))


@pytest.fixture()
def in_pyodide(monkeypatch):
    def enter(browser: FakeBrowser):
        monkeypatch.setattr(sys, "platform", "emscripten")
        monkeypatch.setitem(sys.modules, "js", browser.module)
        monkeypatch.delenv("REINTEGRA_ROOM_DIR", raising=False)
        monkeypatch.delenv("QUERY_STRING", raising=False)
    return enter


def test_a_participant_answers_in_the_browser_sends_and_the_trainer_sees_it(lite, in_pyodide):
    from reintegra.ui.assessment import CaseAssessment

    port, folder, _ = lite
    browser = FakeBrowser(port, {"reintegra_workshop": ROOM_TOKEN})
    in_pyodide(browser)
    exercise = CaseAssessment("fr")
    recorder = exercise.recorder
    assert recorder.active and exercise.widget.children[0] is recorder.bar
    assert recorder.remote.send_button.description == "Envoyer mes réponses au formateur ou à la formatrice"
    recorder.remote.send_button.click()  # nothing answered yet
    assert "rien à envoyer" in recorder.remote.note.value
    exercise.select_case("karim")
    exercise.choices["eco_income"].value = "none"
    exercise.choices["eco_work"].value = "none"
    exercise.notes_box.value = "Karim called on Monday"  # free text: never sent
    assert stored(folder) == {}  # kept on the page until the participant sends
    recorder.remote.send_button.click()
    note = recorder.remote.note.value
    assert "Envoyé" in note and recorder.remote.pseudonym in note
    pid = browser.cookies["reintegra_participant"]
    assert stored(folder) == {pid: {"eco_income": "none", "eco_work": "none"}}
    assert all(url.startswith(f"http://127.0.0.1:{port}/") for _, url in browser.requests)
    assert "Monday" not in recorder.remote.payload()

    status, _, body = call(port, "GET", f"/room/data.json?trainer={TRAINER_TOKEN}&case=karim&lang=en")
    assert "1 participant has answered" in json.loads(body)["html"]

    exercise.choices["eco_income"].value = "occasional"  # changed, sent again: the last answer counts
    recorder.remote.send_button.click()
    assert stored(folder) == {pid: {"eco_income": "occasional", "eco_work": "none"}}

    reloaded = CaseAssessment("fr")  # the participant reloads the page: what was sent comes back
    reloaded.select_case("karim")
    assert reloaded.answers()["eco_income"] == "occasional" and reloaded.answers()["eco_work"] == "none"
    assert reloaded.notes_box.value == ""
    recorder.remote.erase_button.click()
    assert stored(folder) == {} and "effacées" in recorder.remote.note.value


def test_in_the_browser_without_a_room_nothing_is_shown_and_a_failed_send_says_so(lite, in_pyodide, tmp_path):
    from reintegra.ui.assessment import CaseAssessment

    port, folder, site = lite
    # the book served by a static server (no room): lite/room.json says so, the page shows no button
    static, _ = make_server(site, "127.0.0.1", free_port(), None)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        in_pyodide(FakeBrowser(static.server_address[1]))
        exercise = CaseAssessment("en")
        assert not exercise.recorder.active and exercise.recorder.bar is None
        exercise.select_case("karim")
        exercise.choices["eco_income"].value = "none"  # the exercise works as in the book
    finally:
        static.shutdown()
        static.server_close()
    # opened without the room's token: the probe is refused, no button
    in_pyodide(FakeBrowser(port))
    assert CaseAssessment("en").recorder.bar is None
    # a room that goes away after the page opened: the participant is told, the answers stay on the page
    browser = FakeBrowser(port, {"reintegra_workshop": ROOM_TOKEN})
    in_pyodide(browser)
    exercise = CaseAssessment("en")
    exercise.select_case("karim")
    exercise.choices["eco_income"].value = "none"
    browser.module.location.origin = "http://127.0.0.1:9"  # nothing listens there any more
    exercise.recorder.remote.send_button.click()
    note = exercise.recorder.remote.note.value
    assert "could not reach the workshop" in note and "stay on this page" in note and 'lang="fr"' in note
    assert exercise.choices["eco_income"].value == "none" and stored(folder) == {}


def test_the_pre_test_sent_from_the_browser_reaches_the_room_and_comes_back_after_a_reload(lite, in_pyodide):
    from reintegra.ui.prepost import PrePostTest

    port, folder, _ = lite
    browser = FakeBrowser(port, {"reintegra_workshop": ROOM_TOKEN})
    in_pyodide(browser)
    ex = PrePostTest("en")
    assert ex.widget.children[0] is ex.recorder.bar
    ex.form_picker.value = "pre"
    ex.radios[1].value = "C"
    ex.radios[2].value = "B"
    ex.recorder.remote.send_button.click()
    assert "Sent:" in ex.recorder.remote.note.value
    pid = browser.cookies["reintegra_participant"]
    assert stored(folder, "pre-test", "pre") == {pid: {"q1": "C", "q2": "B", "set": "full"}}
    again = PrePostTest("fr")  # reloaded: the answers sent come back
    again.form_picker.value = "pre"
    assert (again.radios[1].value, again.radios[2].value, again.radios[3].value) == ("C", "B", None)
