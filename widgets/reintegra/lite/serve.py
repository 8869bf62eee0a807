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
* what never changes under its address is cached by the browser for a year
  without asking again: the files whose name or address carries their
  content's hash (JupyterLite's scripts, piplite's indexes) and the runtime's
  packages, named by name and version and pinned by the official lock's
  sha256; Pyodide's core files (the same for a version, but not named by it)
  for a day; the rest (pages, configuration, the runtime's lock, the
  course's own wheel, rebuilt with the book) is checked again on each visit,
  and costs an empty ``304 Not Modified`` when it has not changed.
  :func:`cache_control` is the rule, for ``reintegra book``'s server too.
"""
from __future__ import annotations

import gzip
import hmac
import json
import re
import http.server
import os
import threading
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

COMPRESSIBLE = {".js", ".mjs", ".wasm", ".json", ".html", ".css", ".svg", ".map", ".txt", ".md", ".ipynb",
                ".ttf", ".woff", ".py"}
LONG_CACHE_DIRS = ("_static/",)  # the book's styles and scripts: a day
IMMUTABLE = "public, max-age=31536000, immutable"
# JupyterLite's bundles (``remoteEntry.3745c44cbbd62cec9a73.js``, ``9380.ea4e6a8.js``) and
# addresses that name their content (``?v=<hash>``, ``?sha256=<hash>``).
HASHED_NAME = re.compile(r"[.-][0-9a-f]{7,}\.(?:js|css|woff2?|ttf|svg|png|json)$")
HASHED_QUERY = re.compile(r"(?:^|&)(?:v|sha256)=[0-9a-f]{16,}(?:&|$)")
RUNTIME_DIR = "lite/pyodide/"
# Pyodide's own files: the same for a version, but their names do not say which one.
RUNTIME_CORE = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
DAY = "public, max-age=86400"
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


class _Pinned:
    """The runtime's package files pinned by the official lock (not the course's own wheels)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, tuple[float, frozenset[str]]] = {}

    def files(self, directory: Path) -> frozenset[str]:
        from .site import LOCAL_PACKAGES

        path = directory / RUNTIME_DIR / "pyodide-lock.json"
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return frozenset()
        with self.lock:
            hit = self.seen.get(str(path))
            if hit and hit[0] == mtime:
                return hit[1]
            try:
                packages = json.loads(path.read_text(encoding="utf-8"))["packages"]
            except (OSError, ValueError, KeyError):
                return frozenset()
            names = frozenset(entry["file_name"] for name, entry in packages.items()
                              if name not in LOCAL_PACKAGES and entry.get("sha256"))
            self.seen[str(path)] = (mtime, names)
            return names


_PINNED = _Pinned()


def cache_control(directory: Path, relative: str, query: str = "") -> str:
    """How long a browser may keep ``relative`` (a path under the served folder) without asking."""
    if HASHED_NAME.search(relative) or HASHED_QUERY.search(query):
        return IMMUTABLE
    if relative.startswith(RUNTIME_DIR):
        name = relative[len(RUNTIME_DIR):]
        if name in _PINNED.files(directory):
            return IMMUTABLE
        if name in RUNTIME_CORE:
            return DAY
    if any(relative.startswith(d) or f"/{d}" in f"/{relative}" for d in LONG_CACHE_DIRS):
        return DAY
    return "no-cache"


def etag_matches(header: str | None, etag: str) -> bool:
    return bool(header) and (header.strip() == "*" or etag in [t.strip() for t in header.split(",")])


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
            compressible = path.suffix in COMPRESSIBLE and stat.st_size >= MIN_GZIP
            use_gzip = compressible and "gzip" in self.headers.get("Accept-Encoding", "")
            # one validator per representation: the gzip body is not the file's bytes
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}{"-gz" if use_gzip else ""}"'
            cache = cache_control(directory, relative, urlsplit(self.path).query)
            if etag_matches(self.headers.get("If-None-Match"), etag):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", cache)
                if compressible:
                    self.send_header("Vary", "Accept-Encoding")
                self.send_header("Content-Length", "0")
                self.end_headers()
                stats.add(0, self.path)
                return
            data = compressed.get(path) if use_gzip else path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(stat.st_mtime, usegmt=True))
            if use_gzip:
                self.send_header("Content-Encoding", "gzip")
            if compressible:
                self.send_header("Vary", "Accept-Encoding")
            self.send_header("Cache-Control", cache)
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
