"""``reintegra workshop --lite``: serve the built book and its in-browser exercises to a room.

The laptop only hands out files; each participant's device runs Python
(Pyodide) itself, so the number of participants is bounded by the Wi-Fi, not
by the laptop's cores or memory. The existing Voila mode stays for devices too
old to run the exercises in the browser.

What it does beyond a plain static server:

* the same conventions as the Voila workshop: this machine only by default;
  ``--lan`` listens on the Wi-Fi address and requires a token, given once in
  the shared address (``?token=…``) and then kept in a cookie for the rest of
  the visit (the browser's workers and service worker send it too);
* files are sent gzip-compressed when the browser accepts it (the runtime's
  ``pyodide.asm.wasm`` goes from about 10 MB to 3 MB), compressed once and
  kept in memory;
* the runtime's files (versioned, never changed in place) are cached by the
  browser for a day; pages and configuration are checked again on each visit.
"""
from __future__ import annotations

import gzip
import hmac
import http.server
import os
import threading
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

COMPRESSIBLE = {".js", ".mjs", ".wasm", ".json", ".html", ".css", ".svg", ".map", ".txt", ".md", ".ipynb",
                ".ttf", ".woff", ".py"}
LONG_CACHE_DIRS = ("lite/pyodide/", "lite/build/", "lite/extensions/", "lite/pypi/", "_static/")
COOKIE = "reintegra_workshop"
MIN_GZIP = 1024


class Stats:
    """Bytes sent and requests served (and, for the benchmark, which paths)."""

    def __init__(self, keep_paths: bool = False) -> None:
        self.lock = threading.Lock()
        self.bytes = 0
        self.requests = 0
        self.paths: list[str] | None = [] if keep_paths else None

    def add(self, size: int, path: str = "") -> None:
        with self.lock:
            self.bytes += size
            self.requests += 1
            if self.paths is not None and path:
                self.paths.append(path)


class _Compressed:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cache: dict[str, tuple[float, bytes]] = {}
        self.path_locks: dict[str, threading.Lock] = {}

    def get(self, path: Path) -> bytes:
        key = str(path)
        mtime = path.stat().st_mtime
        hit = self.cache.get(key)
        if hit and hit[0] == mtime:
            return hit[1]
        with self.lock:
            lock = self.path_locks.setdefault(key, threading.Lock())
        with lock:  # thirty participants asking at once compress it once
            hit = self.cache.get(key)
            if hit and hit[0] == mtime:
                return hit[1]
            data = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            self.cache[key] = (mtime, data)
            return data


def make_handler(directory: Path, token: str | None, stats: Stats, compressed: _Compressed, room=None):
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                          ".json": "application/json", ".ipynb": "application/json", ".whl": "application/zip"}

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

        # -- token, as in the Voila workshop
        def _authorised(self) -> bool:
            if not token:
                return True
            query = parse_qs(urlsplit(self.path).query)
            given = (query.get("token") or [""])[0]
            if given and hmac.compare_digest(given, token):
                self._set_cookie = True
                return True
            for part in self.headers.get("Cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE and hmac.compare_digest(value, token):
                    return True
            return False

        def _refuse(self) -> None:
            body = FORBIDDEN.encode("utf-8")
            self.send_response(403)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            stats.add(len(body))

        def end_headers(self):
            if getattr(self, "_set_cookie", False):
                self.send_header("Set-Cookie", f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
            super().end_headers()

        def do_GET(self):
            path = urlsplit(self.path).path
            if room is not None and (path.startswith("/room") or path == "/lite/room.json"):
                self._room("GET")
                return
            self._serve(head=False)

        def do_POST(self):
            if room is not None and urlsplit(self.path).path.startswith("/room/api/"):
                self._room("POST")
                return
            self.close_connection = True
            self.send_error(405)

        # -- the room (see reintegra.lite.room): the participants' API, and the trainer's view
        def _room(self, method: str) -> None:
            import json

            from .room import API, HELLO, MAX_BYTES

            self._set_cookie = False
            parts = urlsplit(self.path)
            if not parts.path.startswith(API) and parts.path != HELLO:
                status, kind, body = room.trainer(parts.path, parts.query)
                self._send(status, kind, body, [("X-Frame-Options", "DENY")])
                return
            data = None
            if method == "POST":
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    length = -1
                if 0 <= length <= MAX_BYTES:
                    data = self.rfile.read(length)
                else:
                    self.close_connection = True  # the body is not read: the connection cannot be reused
            origin = self.headers.get("Origin")
            host = self.headers.get("Host", "")
            if not self._authorised():
                status, answer, extra = 403, {"ok": False, "error": "token"}, []
            elif origin and origin not in (f"http://{host}", f"https://{host}"):
                status, answer, extra = 403, {"ok": False, "error": "origin"}, []
            else:
                status, answer, extra = room.api(method, parts.path, self.headers, data, self.client_address[0],
                                                 parts.query)
            self._send(status, "application/json", json.dumps(answer).encode("utf-8"), extra)

        def _send(self, status: int, kind: str, body: bytes, extra: list) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            stats.add(len(body))

        def do_HEAD(self):
            self._serve(head=True)

        def _serve(self, head: bool) -> None:
            self._set_cookie = False
            if not self._authorised():
                self._refuse()
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                if not self.path.split("?", 1)[0].endswith("/"):
                    self.send_response(301)
                    parts = urlsplit(self.path)
                    self.send_header("Location", parts.path + "/" + (f"?{parts.query}" if parts.query else ""))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path = path / "index.html"
            if not path.is_file():
                self.send_error(404)
                return
            relative = path.relative_to(directory).as_posix()
            stat = path.stat()
            etag = f'"{int(stat.st_mtime)}-{stat.st_size}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                stats.add(0)
                return
            use_gzip = (path.suffix in COMPRESSIBLE and stat.st_size >= MIN_GZIP
                        and "gzip" in self.headers.get("Accept-Encoding", ""))
            data = compressed.get(path) if use_gzip else path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(stat.st_mtime, usegmt=True))
            if use_gzip:
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Vary", "Accept-Encoding")
            long_cache = any(relative.startswith(d) or f"/{d}" in f"/{relative}" for d in LONG_CACHE_DIRS)
            self.send_header("Cache-Control", "public, max-age=86400" if long_cache else "no-cache")
            self.end_headers()
            if not head:
                self.wfile.write(data)
            stats.add(len(data) if not head else 0, self.path)

    return Handler


FORBIDDEN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Workshop · Atelier</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem">
<p>This workshop needs the address the trainer shared (with its token). Scan the QR code again or ask the trainer.</p>
<p lang="fr">Cet atelier demande l’adresse partagée par le formateur (avec son jeton). Scannez à nouveau le code QR
ou demandez-la au formateur.</p></body></html>
"""


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def make_server(directory: Path, host: str, port: int, token: str | None,
                keep_paths: bool = False, room=None) -> tuple[Server, Stats]:
    """``room``: a :class:`reintegra.lite.room.Room` to keep the participants' answers and serve the trainer's view."""
    stats = Stats(keep_paths)
    handler = make_handler(Path(directory).resolve(), token, stats, _Compressed(), room)
    server = Server((host, port), handler)
    return server, stats


def main_server(argv: list[str] | None = None) -> int:
    """``python -m reintegra.lite.serve DIR HOST PORT [TOKEN]``: the server alone (tests, benchmark).

    On SIGTERM it stops and prints what it sent as JSON (``{"bytes": …, "requests": …}``).
    """
    import json
    import signal
    import sys

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)

    args = list(sys.argv[1:] if argv is None else argv)
    directory, host, port = Path(args[0]), args[1], int(args[2])
    token = args[3] if len(args) > 3 and args[3] else os.environ.get("REINTEGRA_WORKSHOP_TOKEN") or None
    server, stats = make_server(directory, host, port, token)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print(json.dumps({"bytes": stats.bytes, "requests": stats.requests}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main_server())


def serve_workshop(settings, root: Path | None = None) -> int:
    """Serve ``_build/html`` to the room: the landing page of the in-browser exercises first."""
    import secrets

    from ..i18n import messages
    from ..paths import repo_root
    from ..workshop import M as WM, lan_address, qr_code, trainer_url

    M = messages("lite_workshop", {
        "missing": (
            "The in-browser exercises are not built yet: run ./course book --no-serve first (once, with internet).",
            "Les exercices dans le navigateur ne sont pas encore construits\u00a0: lancez d’abord "
            "./course book --no-serve (une fois, avec internet).",
        ),
        "mode": (
            "Lite mode: this computer only serves files; each participant's device runs the exercises.",
            "Mode léger\u00a0: cet ordinateur ne fait que servir des fichiers\u00a0; l’appareil de chaque participant "
            "exécute les exercices.",
        ),
        "room": (
            "The participants' pages can send their answers (codes only) to this computer with one click: "
            "the room's answers open with the trainer's link below.",
            "Les pages des participants peuvent envoyer leurs réponses (des codes seulement) à cet ordinateur en un "
            "clic\u00a0: les réponses de la salle s’ouvrent avec le lien du formateur ou de la formatrice ci-dessous.",
        ),
    })
    root = root or repo_root()
    lang = settings.lang
    html_dir = root / "_build" / "html"
    if not (html_dir / "lite" / "pyodide" / "pyodide.js").is_file():
        print(M("missing", lang))
        return 1
    if settings.lan:
        host = settings.ip or lan_address() or "0.0.0.0"
        token = settings.token or secrets.token_urlsafe(6)
    else:
        host, token = settings.ip or "127.0.0.1", settings.token
    # The room's store, the same as the Voila workshop's (``--wipe`` erases it): answers the pages send.
    from .room import Room, new_trainer_token

    room = Room(root / "_build" / "workshop", settings.trainer_token or new_trainer_token(token))
    threading.Thread(target=room.warm, daemon=True).start()
    server, _ = make_server(html_dir, host, settings.port, token, room=room)
    landing = "lite/index.html" if lang == "en" else f"lite/index-{lang}.html"
    base = f"http://{host}:{server.server_address[1]}/"
    url = base + landing + (f"?token={token}" if token else "")
    print(WM("starting", lang))
    print(M("mode", lang))
    print(M("room", lang))
    if room.store.recovered:
        print(room.store.recovery_message(lang))
    if settings.lan:
        if not (settings.ip or lan_address()):
            print(WM("no_network", lang, ip="0.0.0.0"))
        print(WM("share", lang, url=url))
        path = root / "_build" / "workshop" / "workshop-qr.png"
        print(qr_code(url, path))
        print(WM("qr_saved", lang, path=path))
    else:
        print(WM("local_only", lang, url=url))
    print(WM("trainer_view", lang, url=trainer_url(base, room.trainer_token, lang)))
    print(WM("stop", lang), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
