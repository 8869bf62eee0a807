"""A dashboard's link to the room store: each answer a participant gives, as a code, for the trainer's view.

Active in the Voila workshop (``reintegra workshop`` gives its kernels
``REINTEGRA_ROOM_DIR``) when the page's address carries the participant's
random identifier (``&pid=…``, kept in their browser by the landing page);
and in the browser-only workshop (``reintegra workshop --lite``), where the
page keeps the answers and sends them to the laptop when the participant
clicks *Send my answers to the trainer* (:mod:`reintegra.workshop.remote`).
Anywhere else (the book, JupyterLab, a link without ``pid``) nothing is
recorded and nothing is shown.

A recorder never raises into its exercise: when the store cannot be written,
the participant sees one short line in both languages and goes on; their
answers stay on their page. Only codes are recorded (an item's identifier and
the option chosen): never a name, never free text.
"""
from __future__ import annotations

import html
import os
from typing import Mapping
from urllib.parse import parse_qs

from ..i18n import messages

ROOM_DIR_ENV = "REINTEGRA_ROOM_DIR"

M = messages(
    "recorder",
    {
        "you_are": "In the room's answers you are {pseudonym}: no name, only your answers' codes.",
        "draw": "Draw another name",
        "erase": "Erase my answers",
        "erased": "Your answers are erased from the room's answers. Your page keeps them until you reload it.",
        "failed": "Your answers could not be added to the room's answers; your page keeps them. Tell your trainer.",
    },
)


def participant_id(query: str | None = None) -> str | None:
    """The participant's identifier from the page's address (``pid=…``), if it is a valid one."""
    from .store import PID

    query = os.environ.get("QUERY_STRING", "") if query is None else query
    values = parse_qs(query.lstrip("?")).get("pid")
    pid = values[0] if values else None
    return pid if pid and PID.match(pid) else None


def _both(key: str, lang: str, **values) -> str:
    """A short line in the participant's language, then the other one."""
    other = "fr" if lang == "en" else "en"
    return " ".join(f'<span lang="{code}">{html.escape(M(key, code, **values))}</span>' for code in (lang, other))


class Recorder:
    """One participant's answers to one exercise page, written to the room store as they are given."""

    def __init__(self, lang: str, room_dir: str | None = None, pid: str | None = None):
        import ipywidgets as w

        self.lang = lang
        self.store = None
        self.pid = None
        self.pseudonym = ""
        room_dir = os.environ.get(ROOM_DIR_ENV) if room_dir is None else room_dir
        pid = participant_id() if pid is None else pid
        self.note = w.HTML("")
        self.name = w.HTML("")
        self.bar = None
        self._failing = False
        self.remote = None
        if not room_dir or not pid:
            # In the browser-only workshop the page keeps the answers; one click sends them to the laptop.
            from .remote import RemoteRoom

            self.remote = RemoteRoom.probe(lang)
            if self.remote is not None:
                self.bar = self.remote.build()
            return
        try:
            from .store import RoomStore

            store = RoomStore(room_dir)
            self.pid, self.pseudonym = store.join(pid)
            self.store = store
        except Exception:  # noqa: BLE001 - the exercise goes on without the room's store
            self._failed()
            self.bar = self.note
            return
        self.draw_button = w.Button(description=M("draw", lang), icon="random", layout=w.Layout(width="auto"))
        self.erase_button = w.Button(description=M("erase", lang), icon="trash", layout=w.Layout(width="auto"))
        self.draw_button.on_click(lambda _: self.draw_again())
        self.erase_button.on_click(lambda _: self.erase())
        self._show_name()
        self.bar = w.VBox([w.HBox([self.name, self.draw_button, self.erase_button],
                                  layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%")),
                           self.note], layout=w.Layout(width="100%"))
        self.bar.add_class("ra-room-bar")

    @property
    def active(self) -> bool:
        return self.store is not None or self.remote is not None

    def _show_name(self) -> None:
        self.name.value = f'<p style="margin:.2em .6em .2em 0">{html.escape(M("you_are", self.lang, pseudonym=self.pseudonym))}</p>'

    def _failed(self) -> None:
        self._failing = True
        self.note.value = f'<p class="ra-notice">{_both("failed", self.lang)}</p>'

    def record(self, exercise: str, subject: str, answers: Mapping[str, object | None]) -> bool:
        """Save some answers (``None`` removes one); True when they are in the store."""
        if self.remote is not None and subject:
            self.remote.keep(exercise, subject, answers)  # sent when the participant clicks Send
            return False
        if self.store is None or not subject:
            return False
        try:
            self.store.record(self.pid, exercise, subject, answers)
        except Exception:  # noqa: BLE001 - never into the widget: a short note instead
            self._failed()
            return False
        if self._failing:  # the store works again: the note no longer applies
            self.note.value = ""
            self._failing = False
        return True

    def recall(self, exercise: str, subject: str) -> dict[str, str]:
        """This participant's answers kept in the store (after a reload of their page)."""
        if self.remote is not None and subject:
            return self.remote.recall(exercise, subject)
        if self.store is None or not subject:
            return {}
        try:
            return self.store.by_participant(exercise, subject).get(self.pid, {})
        except Exception:  # noqa: BLE001
            self._failed()
            return {}

    def draw_again(self) -> str | None:
        if self.store is None:
            return None
        try:
            self.pseudonym = self.store.draw_again(self.pid)
        except Exception:  # noqa: BLE001
            self._failed()
            return None
        self._show_name()
        return self.pseudonym

    def erase(self) -> bool:
        """The participant's answers, gone from the store; they stay on the page, and go on being recorded
        under a new pseudonym if the participant goes on answering."""
        if self.remote is not None:
            return self.remote.erase()
        if self.store is None:
            return False
        try:
            self.store.erase(self.pid)
            self.pid, self.pseudonym = self.store.join(self.pid)
        except Exception:  # noqa: BLE001
            self._failed()
            return False
        self._show_name()
        self.note.value = f'<p class="ra-notice">{_both("erased", self.lang)}</p>'
        return True
