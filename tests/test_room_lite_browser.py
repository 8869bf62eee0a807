"""In the browser-only workshop, a participant answers in the in-browser dashboard, clicks Send, and the
trainer's view shows the answer. The built site is served with a room on 127.0.0.1; every other request
is aborted."""
from __future__ import annotations

import json
import threading

import pytest

from reintegra.lite.room import Room
from reintegra.lite.serve import make_server
from reintegra.workshop.store import RoomStore

from conftest import free_port, http_get
from test_lite_browser import ANSWERS, KERNEL_TIMEOUT, Offline

ROOM_TOKEN, TRAINER_TOKEN = "room-token-lite", "trainer-token-lite"
SEND = {"en": "Send my answers to the trainer", "fr": "Envoyer mes réponses au formateur ou à la formatrice"}
SENT = {"en": "Sent:", "fr": "Envoyé"}


@pytest.fixture()
def room_site(built_book, tmp_path):
    folder = tmp_path / "workshop"
    server, _ = make_server(built_book, "127.0.0.1", free_port(), ROOM_TOKEN, room=Room(folder, TRAINER_TOKEN))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()



@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_participant_sends_from_the_lite_dashboard_and_the_trainer_sees_it(browser, room_site, lang):
    root, folder = room_site
    offline = Offline(browser)
    try:
        page = offline.page()
        page.goto(f"{root}lite/voici/render/{lang}/case-assessment.html?token={ROOM_TOKEN}")
        picker = page.locator("select").first
        picker.wait_for(state="visible", timeout=KERNEL_TIMEOUT)
        send = page.get_by_role("button", name=SEND[lang])
        send.wait_for(timeout=60_000)  # the page's server keeps a room: the button is there
        words = ANSWERS[lang]
        picker.select_option(label=words["case"])
        page.get_by_text("Karim Belhaj", exact=True).first.wait_for(timeout=60_000)
        page.get_by_label(words["eco_income"], exact=True).check()
        page.get_by_label(words["eco_work"], exact=True).check()
        assert RoomStore(folder).by_participant("case-assessment", "karim") == {}  # not sent yet
        send.click()
        page.get_by_text(SENT[lang], exact=False).first.wait_for(timeout=60_000)
        stored = RoomStore(folder).by_participant("case-assessment", "karim")
        assert len(stored) == 1 and list(stored.values())[0] == {"eco_income": "regular_low",
                                                                 "eco_work": "none"}
        pseudonym = RoomStore(folder).pseudonym(next(iter(stored)))
        assert pseudonym in page.inner_text("body")

        page.reload()  # the participant reloads: what they sent comes back on the page
        picker = page.locator("select").first
        picker.wait_for(state="visible", timeout=KERNEL_TIMEOUT)
        picker.select_option(label=words["case"])
        page.get_by_label(words["eco_income"], exact=True).wait_for(timeout=60_000)
        page.wait_for_function("label => [...document.querySelectorAll('label')].some("
                               "l => l.textContent.trim() === label && l.querySelector('input:checked'))",
                               arg=words["eco_income"], timeout=60_000)

        # the trainer's view, with the trainer's own token only
        assert http_get(f"{root}room?token={ROOM_TOKEN}")[0] == 403
        status, body = http_get(f"{root}room/data.json?trainer={TRAINER_TOKEN}&case=karim&lang=en")
        html = json.loads(body)["html"]
        assert status == 200 and "1 participant has answered" in html
        assert '<tr data-item="eco_income">' in html and 'data-code="regular_low"' in html
        trainer = offline.page()
        trainer.goto(f"{root}room?trainer={TRAINER_TOKEN}&lang={lang}&case=karim")
        shown = trainer.inner_text("body")
        assert {"en": "Discussion list", "fr": "Liste de discussion"}[lang] in shown and "1 participant" in shown
        assert pseudonym not in trainer.content()
        offline.assert_clean()
    finally:
        offline.context.close()
