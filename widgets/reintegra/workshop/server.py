"""Voila with the course's landing page in place of its file browser, and guards for a room.

Started by ``reintegra workshop`` as ``python -m reintegra.workshop.server``
with Voila's own options. The landing page lists the exercises, in the
workshop's language, with one line on each; it needs the same token as the
dashboards. Around Voila's own handlers, the workshop adds:

- a kernel websocket that checks every binary frame before jupyter_server or
  Voila reads it (:mod:`reintegra.workshop.frames`), and never sends a page an
  error, a traceback or what the kernel writes to stderr;
- kernels that are freed when their page goes away (the page's own shutdown
  call works, with its ``_xsrf`` cookie; a kernel whose page has disconnected
  for ``release_s`` seconds is shut down), and a cap on kernels per device and
  in total, with a page in the course's words when it is reached;
- the preheated kernels' request channel (``/voila/query/<kernel id>``) open to
  the kernels only, with a secret that only the server and its kernels know;
- a check of the ``Host`` header (DNS rebinding) and the course's own pages for
  a missing token and for errors;
- one line in the terminal per event that matters, never a kernel's id.
"""
from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
from pathlib import Path

from jupyter_server.auth.decorator import allow_unauthenticated
from tornado import web
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets.config import Config
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler, WebsocketHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler
from voila.voila_identity_provider import VoilaLoginHandler

from ..i18n import current_lang, messages, normalise_lang
from ..preheat import QUERY_SECRET_ENV  # known to the server and its kernels only
from . import HOSTS_ENV, LIMITS_ENV, LOG_ENV, ROLE_ENV, TRAINER_ENV, frames, notice_page
from .recorder import ROOM_DIR_ENV

LANDING_ENV = "REINTEGRA_LANDING"
CONFIG_ENV = "REINTEGRA_VOILA_CONFIG"

M = messages(
    "workshop_server",
    {
        "listening": "The workshop server is ready.",
        "full": "The workshop has reached its limit of open exercise pages ({count}): a participant was asked to wait.",
        "device_full": "A device has reached the limit of open exercise pages per device ({count}): it was asked to close one.",
        "bad_frame": "A malformed message from a participant's device was refused and its connection closed.",
        "kernel_error": "An exercise raised an error (participants do not see it): {error}",
        "cell_error": "An exercise could not be shown in full (participants see a short notice). Check it with: ./course test exercises/",
    },
)

log = logging.getLogger("reintegra.workshop")
TRAINER_TOKEN = ""
_KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _limits() -> dict:
    limits = {"per_device": 4, "total": 60, "release_s": 300.0, "unused_s": 600.0}
    limits.update(json.loads(os.environ.get(LIMITS_ENV) or "{}"))
    return limits


def _lang(handler) -> str:
    return normalise_lang(handler.get_argument("lang", None)) or current_lang()


class Registry:
    """The kernels started for participants' pages: whose device, how many connections, since when."""

    def __init__(self):
        self.kernels: dict[str, dict] = {}
        self.pending: dict[object, str] = {}  # pages being opened: their kernel is not started yet
        self._said: dict[str, float] = {}

    def add(self, kernel_id: str, device: str, reservation: object = None) -> None:
        self.pending.pop(reservation, None)
        self.kernels[kernel_id] = {"device": device, "connections": 0, "since": time.monotonic(),
                                   "connected": False}

    def forget(self, kernel_id: str) -> dict | None:
        return self.kernels.pop(kernel_id, None)

    def count(self, device: str | None = None) -> int:
        """Kernels of participants' pages, and pages being opened (thirty arrive at once)."""
        devices = [info["device"] for info in self.kernels.values()] + list(self.pending.values())
        return sum(1 for owner in devices if device is None or owner == device)

    def connection(self, kernel_id: str, change: int) -> None:
        info = self.kernels.get(kernel_id)
        if info:
            info["connections"] = max(0, info["connections"] + change)
            info["connected"] = True
            info["since"] = time.monotonic()

    def to_release(self, alive, limits: dict) -> list[str]:
        """Kernels whose page went away: no connection for ``release_s`` seconds (``unused_s`` if the
        page never connected). Kernels that are gone already are forgotten."""
        now, found = time.monotonic(), []
        for kernel_id, info in list(self.kernels.items()):
            if kernel_id not in alive:
                self.kernels.pop(kernel_id, None)
            elif info["connections"] == 0:
                wait = limits["release_s"] if info["connected"] else limits["unused_s"]
                if now - info["since"] >= wait:
                    found.append(kernel_id)
        return found

    def say_once(self, key: str, text: str, every: float = 60.0) -> None:
        """One line in the trainer's terminal per event, not one per request."""
        now = time.monotonic()
        if now - self._said.get(key, -every - 1) > every:
            self._said[key] = now
            log.warning(text)


REGISTRY = Registry()


async def release(kernel_manager, kernel_id: str) -> None:
    REGISTRY.forget(kernel_id)
    if kernel_id in kernel_manager:
        try:
            await kernel_manager.shutdown_kernel(kernel_id)
        except Exception:  # noqa: BLE001 - already stopping, or gone: nothing left to free
            pass


class _Recording:
    """The kernel manager, as one page's handler sees it: the kernel it starts or takes is that device's."""

    def __init__(self, manager, device: str, reservation: object):
        self._manager, self._device, self._reservation = manager, device, reservation

    def __getattr__(self, name):
        return getattr(self._manager, name)

    def __contains__(self, kernel_id):
        return kernel_id in self._manager

    async def start_kernel(self, *args, **kwargs):
        result = self._manager.start_kernel(*args, **kwargs)
        kernel_id = await result if asyncio.iscoroutine(result) or asyncio.isfuture(result) else result
        REGISTRY.add(kernel_id, self._device, self._reservation)
        return kernel_id

    async def get_rendered_notebook(self, *args, **kwargs):
        render_task, rendered, kernel_id = await self._manager.get_rendered_notebook(*args, **kwargs)
        REGISTRY.add(kernel_id, self._device, self._reservation)
        return render_task, rendered, kernel_id


class CoursePage:
    """The course's own pages, in the participant's language with the other one below."""

    def course_page(self, status: int, kind: str, **values) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(notice_page(kind, _lang(self), base_url=self.base_url, **values))


class DashboardHandler(CoursePage, TornadoVoilaHandler):
    """A dashboard: within the caps, with a kernel recorded as this device's, and the ``_xsrf``
    cookie that the page's shutdown call (on leaving) needs."""

    _reservation = None

    @property
    def kernel_manager(self):
        return _Recording(self.settings["kernel_manager"], self.request.remote_ip, self._reservation)

    @web.authenticated
    async def get(self, path=None):
        limits = _limits()
        device = self.request.remote_ip
        if REGISTRY.count(device) >= limits["per_device"]:
            REGISTRY.say_once(f"device {device}", M("device_full", current_lang(), count=limits["per_device"]))
            return self.course_page(429, "device_full", count=limits["per_device"])
        if REGISTRY.count() >= limits["total"]:
            REGISTRY.say_once("full", M("full", current_lang(), count=limits["total"]))
            return self.course_page(503, "full", count=limits["total"])
        # The course's template and theme only: another one would bypass the preheated kernels.
        for name in ("template", "theme"):
            self.request.arguments.pop(name, None)
            self.request.query_arguments.pop(name, None)
        self.xsrf_token  # noqa: B018 - sets the _xsrf cookie the page sends back when it closes
        self._reservation = object()
        REGISTRY.pending[self._reservation] = device
        try:
            await TornadoVoilaHandler.get.__wrapped__(self, path)
        finally:
            REGISTRY.pending.pop(self._reservation, None)


class ShutdownHandler(VoilaShutdownKernelHandler):
    """The page's ``beforeunload`` call: frees its kernel at once (only a kernel of a page of this device)."""

    @web.authenticated
    async def post(self, kernel_id):
        info = REGISTRY.kernels.get(kernel_id)
        if info is None or info["device"] != self.request.remote_ip:
            raise web.HTTPError(404)
        await release(self.kernel_manager, kernel_id)
        self.set_status(204)
        self.finish()


class GuardedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """The kernel's websocket: malformed binary frames are refused before anyone parses them, and pages
    never receive a cell's code, an error, a traceback or the kernel's stderr."""

    async def open(self, kernel_id):
        REGISTRY.connection(kernel_id, +1)
        self._counted = True
        await super().open(kernel_id)

    def on_close(self):
        if getattr(self, "_counted", False):
            REGISTRY.connection(self.kernel_id, -1)
            self._counted = False
        if getattr(self, "connection", None) is not None:
            super().on_close()

    def on_message(self, ws_message):
        if isinstance(ws_message, bytes):
            try:
                if self.selected_subprotocol == frames.V1:
                    frames.check_v1(ws_message)
                else:
                    frames.check_legacy(ws_message)
            except frames.BadFrame:
                REGISTRY.say_once(f"frame {self.request.remote_ip}", M("bad_frame", current_lang()))
                self.close(1003)
                return
        return super().on_message(ws_message)

    def write_message(self, message, binary=False):
        if isinstance(message, str) and not any(
                word in message for word in ('"execute_input"', '"error"', '"stream"')):
            return WebsocketHandler.write_message(self, message, binary)
        header, content = frames.outgoing_message(message, self.selected_subprotocol)
        if frames.hidden_from_participants(header, content):
            if header.get("msg_type") == "error":
                error = f"{content.get('ename', '')}: {content.get('evalue', '')}"
                REGISTRY.say_once(f"error {error}", M("kernel_error", current_lang(), error=error), every=3600)
            return None
        return WebsocketHandler.write_message(self, message, binary)


class QueryHandler(RequestInfoSocketHandler):
    """Where a preheated kernel waits for its participant's request: for the server's kernels only."""

    def prepare(self):
        secret = os.environ.get(QUERY_SECRET_ENV, "")
        given = self.get_argument("secret", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise web.HTTPError(403)

    def on_close(self):
        for kernel_id, waiter in list(RequestInfoSocketHandler._waiters.items()):
            if waiter is self:
                del RequestInfoSocketHandler._waiters[kernel_id]


class NoTokenHandler(CoursePage, VoilaLoginHandler):
    """Instead of Jupyter's login form: the course's page, "ask your trainer for the link or the QR code"."""

    @allow_unauthenticated
    def get(self):
        nxt = self.get_argument("next", "")
        query = nxt.split("?", 1)[1] if "?" in nxt else ""
        lang = normalise_lang(dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("lang"))
        if lang:
            self.request.arguments["lang"] = [lang.encode()]
        self.course_page(200, "no_token")  # the page a missing token leads to, as Jupyter's login page


class LandingHandler(TornadoVoilaTreeHandler):
    """The exercises of the workshop, instead of a listing of files."""

    @web.authenticated
    async def get(self, path=""):
        page = Path(os.environ[LANDING_ENV]).read_text(encoding="utf-8")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page.replace("{{ base_url }}", self.base_url))


class WrongHostHandler(CoursePage, web.RequestHandler):
    """A request whose ``Host`` is not the workshop's address (DNS rebinding): refused."""

    @property
    def base_url(self):
        return "/"

    def prepare(self):
        self.course_page(403, "wrong_host")


REPLACED = {
    TornadoVoilaTreeHandler: LandingHandler,
    TornadoVoilaHandler: DashboardHandler,
    VoilaShutdownKernelHandler: ShutdownHandler,
    VoilaKernelWebsocketHandler: GuardedKernelWebsocketHandler,
    RequestInfoSocketHandler: QueryHandler,
    VoilaLoginHandler: NoTokenHandler,
}


def host_pattern(hosts: str) -> str:
    """The tornado host pattern for a comma-separated list of names and addresses (``""``: any)."""
    names = [h.strip().lower() for h in hosts.split(",") if h.strip()]
    if not names:
        return ".*$"
    shown = []
    for name in names:
        try:
            if ipaddress.ip_address(name.strip("[]")).version == 6:
                name = f"[{name.strip('[]')}]"
        except ValueError:
            pass
        shown.append(re.escape(name))
    return "^(" + "|".join(shown) + ")$"


class WorkshopVoila(Voila):
    name = "reintegra-workshop"

    def init_handlers(self):
        handlers = super().init_handlers()
        replaced = []
        for handler in handlers:
            if len(handler) >= 2 and handler[1] in REPLACED:
                handler = (handler[0], REPLACED[handler[1]], *handler[2:])
            replaced.append(handler)
        room_dir = os.environ.get(ROOM_DIR_ENV)
        if room_dir:
            from .roomview import handlers

            replaced = handlers(self.base_url, TRAINER_TOKEN, room_dir) + replaced
        return replaced

    def start(self):
        """Voila's own start, with the handlers bound to the workshop's host names only."""
        import tempfile

        import tornado.web

        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        settings = self.init_settings()
        self.app = tornado.web.Application(**settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(host_pattern(os.environ.get(HOSTS_ENV, "")), self.init_handlers())
        self.app.add_handlers(".*$", [(r".*", WrongHostHandler)])
        PeriodicCallback(self._release_idle, 10_000).start()
        # Said once the server listens (the loop runs only then).
        IOLoop.current().add_callback(log.info, M("listening", current_lang()))
        self.listen()

    def _release_idle(self):
        for kernel_id in REGISTRY.to_release(self.kernel_manager, _limits()):
            asyncio.ensure_future(release(self.kernel_manager, kernel_id))


class _NoKernelIds(logging.Filter):
    """Kernel ids never reach the terminal: knowing one is enough to reach that kernel's channels."""

    def filter(self, record):
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001
            return True
        if _KERNEL_ID.search(text):
            record.msg, record.args = _KERNEL_ID.sub("…", text), ()
        return True


class _NotNews(logging.Filter):
    """Lines that say nothing to a trainer: every notebook of the course is "not trusted" (it is served,
    never run by the trainer's Jupyter), and kernels are started and stopped all day long."""

    def filter(self, record):
        text = record.getMessage()
        return not ("is not trusted" in text or text.startswith(("Kernel started", "Kernel shutdown")))


class _CellErrors(logging.Filter):
    """Voila logs a failed cell with its whole traceback: the trainer gets one line instead."""

    def filter(self, record):
        if record.levelno >= logging.ERROR and "CellExecutionError" in (record.getMessage()[:200] + str(record.exc_info)):
            REGISTRY.say_once("cell error", M("cell_error", current_lang()), every=600)
            return False
        return True


def quiet_logs() -> None:
    """The trainer's terminal gets the workshop's own lines; Voila's and Jupyter's only when they fail."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(_NoKernelIds())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    for name in ("tornado.access", "tornado.application", "tornado.general", "traitlets", "Voila",
                 "reintegra-workshop", "ServerApp", "NotebookApp"):
        logging.getLogger(name).addFilter(_NoKernelIds())
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)


def main(argv=None):
    """Start the server. ``REINTEGRA_VOILA_CONFIG`` (JSON) adds configuration that
    the command line cannot carry well, such as per-notebook kernel pools."""
    config = Config()
    extra = os.environ.get(CONFIG_ENV)
    if extra:
        for section, values in json.loads(extra).items():
            config[section] = Config(values)
    # The preheated kernels inherit this environment: they alone can reach /voila/query/.
    os.environ.setdefault(QUERY_SECRET_ENV, os.urandom(24).hex())
    os.environ[ROLE_ENV] = "participant"
    # The trainer's view's token stays in the server: the participants' kernels never see it.
    global TRAINER_TOKEN
    TRAINER_TOKEN = os.environ.pop(TRAINER_ENV, "")
    quiet_logs()
    log_file = os.environ.get(LOG_ENV)
    if log_file:
        # Voila's, Jupyter's and the kernels' own messages (kernels inherit this stderr) go to the
        # log file; the terminal keeps the workshop's lines (stdout).
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        with open(log_file, "ab") as handle:
            os.dup2(handle.fileno(), 2)
    app = WorkshopVoila.instance(config=config)
    app.initialize(argv=argv)
    for handler in app.log.handlers:
        handler.addFilter(_NoKernelIds())
        handler.addFilter(_CellErrors())
        handler.addFilter(_NotNews())
    app.start()


if __name__ == "__main__":
    main()
