"""Sending a participant's answers from the browser-only workshop to the trainer's laptop, in one click.

In ``reintegra workshop --lite`` the exercises run in each participant's
browser (Pyodide): there is no kernel on the laptop to write to the room's
store. So the page keeps the answers' codes as they are given, and a button,
*Send my answers to the trainer*, posts them to the page's own origin
(``/room/api/answers``, the laptop that served the page: nothing goes
anywhere else). The server (:mod:`reintegra.lite.room`) checks every code,
keeps the participant's random identifier in a cookie (no name) and answers
with their pseudonym.

The button appears only when the page's server keeps a room (its answer to
``lite/room.json``, a file of the site that says ``{"room": false}`` when a plain
static host serves it): there the exercise shows nothing more than in the
book. A send that fails says so in both languages: the answers stay on the
page, and the participant can try again. A reloaded page asks for the answers
this participant sent (``/room/api/mine``) and shows them again.
"""
from __future__ import annotations

import html
import json
import sys
from typing import Callable, Mapping

from ..i18n import messages

# The site's own file (``{"room": false}`` on a static host; the workshop's server answers ``true``), then the API.
HELLO, ANSWERS, ERASE, MINE = "/lite/room.json", "/room/api/answers", "/room/api/erase", "/room/api/mine"

M = messages(
    "room_send",
    {
        "send": "Send my answers to the trainer",
        "erase": "Erase my answers",
        "intro": "Your answers stay on this page until you send them to the trainer: codes only, never a name.",
        "nothing": "There is nothing to send yet: answer the exercise first.",
        "sent": "Sent: the trainer's view now has your answers as {pseudonym}. Send again after changing them.",
        "no_room": ("The answers could not be sent: this page was not opened from a workshop's computer. "
                    "Your answers stay on this page."),
        "refused": "The workshop's computer refused these answers. Your answers stay on this page: tell your trainer.",
        "refused_token": ("The workshop's computer did not recognise this device: open the workshop's address "
                          "(or its QR code) again, then send again. Your answers stay on this page."),
        "too_many": "Too many sends in a short time: wait a minute, then send again. Your answers stay on this page.",
        "failed": ("The answers could not reach the workshop's computer (is it still running, and is this device "
                   "on the room's Wi-Fi?). Your answers stay on this page: send them again later."),
        "erased": "Your answers are erased from the room's answers. Your page keeps them until you reload it.",
    },
)


def in_browser() -> bool:
    """True in Pyodide (the browser-only workshop and the book's *Do this exercise in your browser*)."""
    return sys.platform == "emscripten"


def http(method: str, path: str, body: str | None = None) -> tuple[int, dict | None]:
    """A request to the page's own origin, from the browser (``js.XMLHttpRequest``, synchronous:
    the exercises run in a web worker, where that is allowed). Status 0 when it could not be made."""
    import js  # noqa: PLC0415 - exists only in Pyodide

    # The site's root on this origin: the exercises run from its lite/ folder (a sub-folder on some hosts).
    where = str(js.location.pathname)
    root = where[:where.index("/lite/")] if "/lite/" in where else ""
    request = js.XMLHttpRequest.new()
    try:
        request.open(method, str(js.location.origin) + root + path, False)
        if body is not None:
            request.setRequestHeader("Content-Type", "application/json")
        request.send(body)
    except Exception:  # noqa: BLE001 - network error, page offline: reported to the participant
        return 0, None
    status = int(request.status)
    try:
        answer = json.loads(str(request.responseText))
    except ValueError:
        answer = None
    return status, answer if isinstance(answer, dict) else None


class RemoteRoom:
    """The answers a participant gives on this page, kept until they send them to the laptop."""

    def __init__(self, lang: str, request: Callable[[str, str, str | None], tuple[int, dict | None]] = http):
        self.lang = lang
        self.request = request
        self.pending: dict[tuple[str, str], dict[str, str | None]] = {}
        self.pseudonym: str | None = None
        self.bar = None

    @classmethod
    def probe(cls, lang: str) -> "RemoteRoom | None":
        """A remote room when this page's server keeps one; None anywhere else."""
        if not in_browser():
            return None
        room = cls(lang)
        try:
            status, answer = room.request("GET", HELLO, None)
        except Exception:  # noqa: BLE001
            return None
        if status != 200 or not answer or answer.get("room") is not True:
            return None
        room.pseudonym = answer.get("pseudonym") if isinstance(answer.get("pseudonym"), str) else None
        return room

    def keep(self, exercise: str, subject: str, answers: Mapping[str, object | None]) -> None:
        given = self.pending.setdefault((exercise, subject), {})
        for item, value in answers.items():
            given[str(item)] = None if value is None else str(value)

    def payload(self) -> str:
        return json.dumps({"answers": [{"exercise": e, "subject": s, "items": items}
                                       for (e, s), items in self.pending.items() if items]})

    def send(self) -> bool:
        """Post every answer given on this page; the note says what happened. True when they arrived."""
        if not any(self.pending.values()):
            self._say("nothing")
            return False
        try:
            status, answer = self.request("POST", ANSWERS, self.payload())
        except Exception:  # noqa: BLE001
            status, answer = 0, None
        if status == 200 and answer and answer.get("ok"):
            self.pseudonym = str(answer.get("pseudonym") or "")
            self._say("sent", pseudonym=self.pseudonym)
            return True
        if status in (404, 405, 501):
            self._say("no_room")
        elif status == 429:
            self._say("too_many")
        elif status == 403:
            self._say("refused_token")
        elif status in (400, 413, 415):
            self._say("refused")
        else:
            self._say("failed")
        return False

    def recall(self, exercise: str, subject: str) -> dict[str, str]:
        """The answers this participant sent for one case (a reloaded page); nothing when they cannot be read."""
        from urllib.parse import urlencode

        try:
            status, answer = self.request("GET", f"{MINE}?{urlencode({'exercise': exercise, 'subject': subject})}", None)
        except Exception:  # noqa: BLE001
            return {}
        given = (answer or {}).get("answers") if status == 200 else None
        if not isinstance(given, dict):
            return {}
        given = {str(k): str(v) for k, v in given.items() if isinstance(v, str)}
        self.keep(exercise, subject, given)  # sent again with the next click, with what changes
        return given

    def erase(self) -> bool:
        try:
            status, answer = self.request("POST", ERASE, "{}")
        except Exception:  # noqa: BLE001
            status, answer = 0, None
        if status == 200 and answer and answer.get("ok"):
            self._say("erased")
            return True
        self._say("no_room" if status in (404, 405) else "failed")
        return False

    # ------------------------------------------------------------------ what the participant sees
    def build(self):
        import ipywidgets as w

        self.note = w.HTML(f'<p style="margin:.2em 0">{html.escape(M("intro", self.lang))}</p>')
        self.send_button = w.Button(description=M("send", self.lang), icon="paper-plane", button_style="primary",
                                    layout=w.Layout(width="auto"))
        self.erase_button = w.Button(description=M("erase", self.lang), icon="trash", layout=w.Layout(width="auto"))
        self.send_button.on_click(lambda _: self.send())
        self.erase_button.on_click(lambda _: self.erase())
        self.bar = w.VBox([w.HBox([self.send_button, self.erase_button],
                                  layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%")),
                           self.note], layout=w.Layout(width="100%"))
        self.bar.add_class("ra-room-bar")
        return self.bar

    def _text(self, key: str, **values) -> str:
        """The line in the participant's language, then in the other one."""
        other = "fr" if self.lang == "en" else "en"
        spans = " ".join(f'<span lang="{code}">{html.escape(M(key, code, **values))}</span>' for code in (self.lang, other))
        return f'<p class="ra-notice" role="status">{spans}</p>'

    def _say(self, key: str, **values) -> None:
        if self.bar is not None:
            self.note.value = self._text(key, **values)
