"""The room store: each participant's answers in one SQLite file on the trainer's laptop.

What it keeps, and nothing else:

* a participant: a random identifier (kept by their page) and a random
  **pseudonym** made of a word and a number ("Argan 42"). A participant can draw
  another one, never type one: no name can get in;
* their answers, as codes only (an item's identifier and the option chosen, a
  service identifier, a decision): the store refuses anything that is not a
  short code, so no free text is ever stored;
* when each answer was last changed.

The file lives in the workshop's folder and never leaves the laptop. A
participant can erase their own answers; the trainer wipes the whole store at
the end of the day (``reintegra workshop --wipe``).

Many participants write at once: the store runs in WAL mode, waits for a busy
file instead of failing, and retries a write that still finds the file locked.
A corrupted file is moved aside (``room-corrupt-<time>.sqlite``) and a fresh
store is started, with a message saying so; a deleted file is recreated.
"""
from __future__ import annotations

import os
import random
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ..i18n import messages

STORE_FILE = "room.sqlite"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
# A participant's identifier: random, made by their page (or by the store), never a name.
PID = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")

M = messages(
    "room_store",
    {
        "corrupt": ("The room's answer file was damaged and has been put aside as {name}; a fresh one is started. "
            "The workshop goes on."),
        "bad_code": "Only answer codes are stored, not free text: {value!r} was refused.",
        "unknown_participant": "Unknown participant.",
        "wiped": "The room's answers are erased: {path}",
    },
)

# Words for pseudonyms: Moroccan landscapes and plants, the same in both languages.
WORDS = (
    "Argan", "Atlas", "Cèdre", "Oasis", "Safran", "Menthe", "Jasmin", "Olivier", "Dune", "Figuier", "Grenade",
    "Amandier", "Palmier", "Rif", "Souss", "Drâa", "Ziz", "Toubkal", "Ifrane", "Sebou", "Moulouya", "Oum Rabia",
    "Thuya", "Lavande", "Romarin", "Câprier", "Caroubier", "Genévrier", "Tamaris", "Laurier",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS participants (
    pid TEXT PRIMARY KEY,
    pseudonym TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    pid TEXT NOT NULL REFERENCES participants(pid) ON DELETE CASCADE,
    exercise TEXT NOT NULL,
    subject TEXT NOT NULL,
    item TEXT NOT NULL,
    value TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (pid, exercise, subject, item)
);
CREATE INDEX IF NOT EXISTS answers_by_subject ON answers (exercise, subject);
"""


class RefusedValue(ValueError):
    """A value that is not a short code (free text, too long, empty)."""


def check_code(value: object) -> str:
    text = str(value)
    if not CODE.match(text):
        raise RefusedValue(M("bad_code", "en", value=text[:40]))
    return text


def new_pseudonym(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    return f"{rng.choice(WORDS)} {rng.randint(10, 99)}"


@dataclass(frozen=True)
class Answer:
    pid: str
    exercise: str
    subject: str
    item: str
    value: str
    updated: float


class RoomStore:
    """One SQLite file; one connection per thread; every write retried while the file is locked."""

    def __init__(self, folder: str | Path, retries: int = 20):
        self.folder = Path(folder)
        self.path = self.folder / STORE_FILE
        self.retries = retries
        self.recovered: str | None = None  # the name a damaged file was moved to, if any
        self._local = threading.local()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._open_checked()

    # ------------------------------------------------------------ opening
    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout = 10000")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _open_checked(self) -> None:
        try:
            connection = self._connect()
            ok = connection.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise sqlite3.DatabaseError(ok)
            connection.executescript(SCHEMA)
            connection.close()
        except sqlite3.DatabaseError:
            self._set_aside()
            connection = self._connect()
            connection.executescript(SCHEMA)
            connection.close()

    def _set_aside(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.folder / f"room-corrupt-{stamp}.sqlite"
        n = 1
        while target.exists():
            target = self.folder / f"room-corrupt-{stamp}-{n}.sqlite"
            n += 1
        if self.path.exists():
            os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            extra = Path(str(self.path) + suffix)
            if extra.exists():
                extra.unlink()
        self.recovered = target.name
        self._local = threading.local()

    def recovery_message(self, lang: str | None = None) -> str | None:
        return M("corrupt", lang, name=self.recovered) if self.recovered else None

    @property
    def connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or not self.path.exists():
            if not self.path.exists():  # deleted under us: start again
                self._open_checked()
            connection = self._connect()
            self._local.connection = connection
        return connection

    def _write(self, statements: Iterable[tuple[str, tuple]]) -> None:
        statements = list(statements)
        delay = 0.01
        for attempt in range(self.retries + 1):
            connection = self.connection
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        connection.execute(sql, params)
                    connection.execute("COMMIT")
                    return
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error) or attempt == self.retries:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except sqlite3.DatabaseError:
                # The file was damaged while the workshop ran: put it aside and go on with a fresh one.
                self._set_aside()
                self._open_checked()

    # ------------------------------------------------------------ participants
    def join(self, pid: str | None = None) -> tuple[str, str]:
        """A participant's identifier and pseudonym: the same ones again for a known ``pid`` (a reload).

        A ``pid`` made by the participant's page (random, kept in the browser) is taken as it is when it is
        new; anything that does not look like one gets a fresh identifier from the store."""
        if pid and PID.match(pid):
            row = self.connection.execute("SELECT pseudonym FROM participants WHERE pid = ?", (pid,)).fetchone()
            if row:
                return pid, row[0]
        else:
            pid = secrets.token_urlsafe(16)
        pseudonym = new_pseudonym()
        self._write([("INSERT INTO participants (pid, pseudonym, created) VALUES (?, ?, ?) "
                      "ON CONFLICT (pid) DO NOTHING", (pid, pseudonym, time.time()))])
        return pid, self.pseudonym(pid)

    def draw_again(self, pid: str) -> str:
        """Give the participant another random pseudonym."""
        current = self.pseudonym(pid)
        pseudonym = new_pseudonym()
        while pseudonym == current:
            pseudonym = new_pseudonym()
        self._write([("UPDATE participants SET pseudonym = ? WHERE pid = ?", (pseudonym, pid))])
        return pseudonym

    def pseudonym(self, pid: str) -> str:
        row = self.connection.execute("SELECT pseudonym FROM participants WHERE pid = ?", (pid,)).fetchone()
        if row is None:
            raise KeyError(M("unknown_participant", "en"))
        return row[0]

    def participants(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM participants").fetchone()[0]

    # ------------------------------------------------------------ answers
    def record(self, pid: str, exercise: str, subject: str, answers: Mapping[str, object | None]) -> None:
        """Save (or change) some of a participant's answers; ``None`` removes an answer."""
        exercise, subject = check_code(exercise), check_code(subject)
        now = time.time()
        statements = []
        for item, value in answers.items():
            item = check_code(item)
            if value is None:
                statements.append(("DELETE FROM answers WHERE pid = ? AND exercise = ? AND subject = ? AND item = ?",
                                   (pid, exercise, subject, item)))
            else:
                statements.append((
                    "INSERT INTO answers (pid, exercise, subject, item, value, updated) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (pid, exercise, subject, item) DO UPDATE SET value = excluded.value, "
                    "updated = excluded.updated",
                    (pid, exercise, subject, item, check_code(value), now),
                ))
        if statements:
            self._write(statements)

    def answers(self, exercise: str, subject: str | None = None, pid: str | None = None) -> list[Answer]:
        sql = "SELECT pid, exercise, subject, item, value, updated FROM answers WHERE exercise = ?"
        params: list = [exercise]
        if subject is not None:
            sql += " AND subject = ?"
            params.append(subject)
        if pid is not None:
            sql += " AND pid = ?"
            params.append(pid)
        return [Answer(*row) for row in self.connection.execute(sql + " ORDER BY pid, item", params)]

    def by_participant(self, exercise: str, subject: str | None = None) -> dict[str, dict[str, str]]:
        """``{pid: {item: value}}`` for one exercise (and one case, plan or test)."""
        out: dict[str, dict[str, str]] = {}
        for answer in self.answers(exercise, subject):
            out.setdefault(answer.pid, {})[answer.item] = answer.value
        return out

    def subjects(self, exercise: str) -> list[str]:
        rows = self.connection.execute("SELECT DISTINCT subject FROM answers WHERE exercise = ? ORDER BY subject",
                                       (exercise,))
        return [row[0] for row in rows]

    def erase(self, pid: str) -> None:
        """A participant's own answers and pseudonym, gone."""
        self._write([("DELETE FROM answers WHERE pid = ?", (pid,)),
                     ("DELETE FROM participants WHERE pid = ?", (pid,))])

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def wipe(self) -> None:
        """Erase the whole store (the trainer's end of the day)."""
        self.close()
        wipe(self.folder)


def wipe(folder: str | Path) -> list[Path]:
    """Delete the store of a workshop folder, its journal files and any damaged copy put aside."""
    folder = Path(folder)
    removed = []
    for path in [folder / STORE_FILE, folder / f"{STORE_FILE}-wal", folder / f"{STORE_FILE}-shm",
                 *folder.glob("room-corrupt-*.sqlite")]:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
