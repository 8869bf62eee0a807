"""The room's store in the browser-only workshop: answers sent by the participants' pages, the trainer's view.

In ``reintegra workshop --lite`` each device runs the exercises itself; its
*Send my answers to the trainer* button posts the answers' codes to this
laptop, the page's own origin (:mod:`reintegra.workshop.remote`). The lite
server hands such requests here:

* ``POST /room/api/answers`` — JSON only (``application/json``, at most
  ``MAX_BYTES``), the room's token required when the room has one (the cookie
  the shared address left), from this origin only, a few requests a minute per
  device; every exercise, case, item and option is checked against the
  course's own codes (:mod:`reintegra.workshop.known`) and one unknown code
  refuses the whole request: free text never gets in. The participant's random
  identifier travels in a cookie that the server sets on the first answers
  (the exercises run in a web worker, where the page's ``localStorage`` cannot
  be read); no name, ever.
* ``POST /room/api/erase`` — the participant's own answers and pseudonym, gone.
* ``GET /room/api/mine?exercise=…&subject=…`` — the participant's own answers
  to one case (their cookie), so that a reloaded page finds them again.
* ``GET /lite/room.json`` — whether this server keeps a room: the site has
  that file with ``{"room": false}``, which a plain static host serves as it
  is (the page then shows no button); this server answers ``true`` instead.
* ``GET /room``, ``/room/data.json``, ``/room/export.csv``, ``/room/report.html``
  — the trainer's view of :mod:`reintegra.workshop.roomview`, with the
  trainer's own token only (the participants' token does not open it).

Every answer is a plain JSON code; errors are codes too (the page says them in
its participant's language).
"""
from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

MAX_BYTES = 32 * 1024  # every answer of every exercise of a day fits in a few kilobytes
MAX_ITEMS = 600
PID_COOKIE = "reintegra_participant"
PID_MAX_AGE = 3 * 24 * 3600  # a workshop's days; the store itself is wiped by the trainer
API = "/room/api/"
HELLO = "/lite/room.json"  # a static file of the site ({"room": false}) that the room's server answers itself


class RateLimit:
    """At most ``burst`` requests at once per device, then one every ``every_s`` seconds."""

    def __init__(self, burst: int = 10, every_s: float = 3.0) -> None:
        self.burst, self.every_s = burst, every_s
        self.lock = threading.Lock()
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self.lock:
            tokens, then = self.buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) / self.every_s)
            if tokens < 1:
                self.buckets[client] = (tokens, now)
                return False
            self.buckets[client] = (tokens - 1, now)
            if len(self.buckets) > 10_000:  # a room has a few dozen devices; forget the oldest
                self.buckets.pop(next(iter(self.buckets)))
            return True


class Room:
    """The lite server's room: the store in the workshop's folder, the trainer's token, the rate limit."""

    def __init__(self, folder: str | Path, trainer_token: str, limit: RateLimit | None = None) -> None:
        from ..workshop.store import RoomStore

        self.folder = Path(folder)
        self.trainer_token = trainer_token
        self.store = RoomStore(self.folder)
        self.limit = limit or RateLimit()

    def warm(self) -> None:
        """Load the course's codes and the view's data once, before the first participant sends."""
        from ..workshop import known, roomview

        for name in known.CATALOGUE:
            known.exercise(name)
        roomview._course()
        roomview._referral_course()

    # ------------------------------------------------------------------ participants' API
    def api(self, method: str, path: str, headers, body: bytes | None, client: str,
            query: str = "") -> tuple[int, dict, list]:
        """Answer one API request: (status, JSON object, extra headers)."""
        from ..workshop import known
        from ..workshop.store import CODE

        if path == HELLO and method == "GET":
            pid = _cookie(headers, PID_COOKIE)
            pseudonym = None
            if pid:
                try:
                    pseudonym = self.store.pseudonym(pid)
                except KeyError:
                    pseudonym = None
            return 200, {"ok": True, "room": True, "pseudonym": pseudonym}, []
        if path == API + "mine" and method == "GET":  # a reloaded page finds this participant's answers again
            args = {k: v[0] for k, v in parse_qs(query).items()}
            pid = _cookie(headers, PID_COOKIE)
            exercise, subject = args.get("exercise", ""), args.get("subject", "")
            if known.exercise(exercise) is None or not CODE.match(subject):
                return 400, {"ok": False, "error": "unknown_code"}, []
            mine = {a.item: a.value for a in self.store.answers(exercise, subject, pid)} if pid else {}
            return 200, {"ok": True, "answers": mine}, []
        if path not in (API + "answers", API + "erase"):
            return 404, {"ok": False, "error": "not_found"}, []
        if method != "POST":
            return 405, {"ok": False, "error": "method"}, [("Allow", "POST")]
        if not self.limit.allow(client):
            return 429, {"ok": False, "error": "too_many"}, [("Retry-After", str(int(self.limit.every_s) + 1))]
        if headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            return 415, {"ok": False, "error": "not_json"}, []
        if body is None:
            return 413, {"ok": False, "error": "too_large"}, []
        pid = _cookie(headers, PID_COOKIE)
        if path == API + "erase":
            if pid:
                self.store.erase(pid)
            return 200, {"ok": True, "erased": bool(pid)}, []
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, {"ok": False, "error": "bad_json"}, []
        batches = check_answers(payload)
        if batches is None:
            return 400, {"ok": False, "error": "unknown_code"}, []
        pid, pseudonym = self.store.join(pid)
        for exercise, subject, answers in batches:
            self.store.record(pid, exercise, subject, answers)
        cookie = f"{PID_COOKIE}={pid}; Path=/room/api/; Max-Age={PID_MAX_AGE}; HttpOnly; SameSite=Strict"
        return 200, {"ok": True, "saved": sum(len(a) for _, _, a in batches), "pseudonym": pseudonym}, [
            ("Set-Cookie", cookie)]

    # ------------------------------------------------------------------ trainer's view
    def trainer(self, path: str, query: str) -> tuple[int, str, bytes]:
        """The trainer's view: (status, content type, body); 403 without the trainer's own token."""
        from ..i18n import normalise_lang
        from ..workshop import notice_page, room, roomview

        args = {k: v[0] for k, v in parse_qs(query).items()}
        lang = normalise_lang(args.get("lang")) or "en"
        given = args.get("trainer", "")
        if not self.trainer_token or not hmac.compare_digest(given.encode(), self.trainer_token.encode()):
            return 403, "text/html; charset=utf-8", notice_page("trainer_only", lang).encode("utf-8")
        store = self.store
        if path == "/room":
            case_id = roomview.chosen_case(store, args.get("case"))
            return 200, "text/html; charset=utf-8", roomview.page(store, case_id, lang, given).encode("utf-8")
        if path == "/room/data.json":
            case_id = roomview.chosen_case(store, args.get("case"))
            data = {"case": case_id, "html": roomview.render_case(store, case_id, lang)}
            return 200, "application/json", json.dumps(data).encode("utf-8")
        if path == "/room/export.csv":
            text = "\ufeff" + room.export_csv(roomview.export(store, lang), lang)
            return 200, "text/csv; charset=utf-8", text.encode("utf-8")
        if path == "/room/report.html":
            return 200, "text/html; charset=utf-8", room.export_html(roomview.export(store, lang), lang).encode("utf-8")
        return 404, "text/plain; charset=utf-8", b"Not found"


def check_answers(payload) -> list[tuple[str, str, dict]] | None:
    """``{"answers": [{"exercise": …, "subject": …, "items": {item: code or null}}, …]}``, every code known;
    None when anything is not (the whole request is refused)."""
    from ..workshop import known
    from ..workshop.store import CODE

    if not isinstance(payload, dict) or set(payload) != {"answers"} or not isinstance(payload["answers"], list):
        return None
    batches, count = [], 0
    for entry in payload["answers"]:
        if not isinstance(entry, dict) or set(entry) != {"exercise", "subject", "items"}:
            return None
        exercise, subject, items = entry["exercise"], entry["subject"], entry["items"]
        if not isinstance(exercise, str) or not isinstance(subject, str) or not isinstance(items, dict):
            return None
        codes = known.exercise(exercise)
        if codes is None:
            return None
        count += len(items)
        if count > MAX_ITEMS:
            return None
        for item, value in items.items():
            if value is not None and not (isinstance(value, str) and CODE.match(value)):
                return None
            if not codes.accepts(subject, item, value):
                return None
        batches.append((exercise, subject, dict(items)))
    return batches


def _cookie(headers, name: str) -> str | None:
    from ..workshop.store import PID

    for part in headers.get("Cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and PID.match(value):
            return value
    return None


def new_trainer_token(room_token: str | None) -> str:
    token = secrets.token_urlsafe(12)
    while room_token and token == room_token:
        token = secrets.token_urlsafe(12)
    return token
