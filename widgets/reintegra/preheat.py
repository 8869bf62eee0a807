"""A preheated kernel waits for its participant's request (Voila's preheat protocol).

Voila runs the notebooks of its pool before anyone asks for them; a notebook
that needs the participant's request (here, for ``?lang=``) waits for Voila to
send it over the ``voila/query/<kernel id>`` websocket, then finds it in the
environment. ``voila.utils.wait_for_request`` does the same, but importing it
loads the Jupyter server into every kernel (about 60 MB each, 1.8 GB for a
pool of thirty); this module needs only ``websockets``.

While it waits, the kernel leaves a file named after its process in the folder
``REINTEGRA_WARM_DIR`` names: the workshop command counts them to tell the
trainer when the room can join (:func:`warm_kernels`).
"""
from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from urllib.parse import quote

WARM_DIR_ENV = "REINTEGRA_WARM_DIR"
# The workshop server gives its kernels a secret: only they can reach ``voila/query/``.
QUERY_SECRET_ENV = "REINTEGRA_QUERY_SECRET"


def query_url() -> str:
    """Where Voila sends this kernel's request, from the variables Voila (and the workshop command) set."""
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"
    secret = os.environ.get(QUERY_SECRET_ENV)
    return f"{url}?secret={quote(secret)}" if secret else url


def wait_for_request(timeout: float = 5) -> bool:
    """Block until the participant's request arrives and put it into ``os.environ``.

    Returns False (and changes nothing) when this kernel is not preheated or the
    server cannot be reached within ``timeout`` seconds; the request itself may
    come much later (the websocket then stays open until it does).
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return False
    received: list[str] = []

    async def receive() -> None:
        import websockets

        async with websockets.connect(query_url(), open_timeout=timeout) as socket:
            received.append(await socket.recv())

    def run() -> None:  # the kernel's own event loop is busy running this cell
        try:
            asyncio.run(receive())
        except Exception:  # noqa: BLE001 - no server or no request: the defaults apply
            pass

    warm_dir = os.environ.get(WARM_DIR_ENV)
    marker = Path(warm_dir, str(os.getpid())) if warm_dir else None
    try:
        if marker:
            marker.touch()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join()
    finally:
        if marker:
            marker.unlink(missing_ok=True)
    if not received:
        return False
    for key, value in json.loads(received[0]).items():
        os.environ[key] = value
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def warm_kernels(warm_dir: Path) -> int:
    """Preheated kernels that have run their exercise's set-up and wait for a participant
    (files of kernels that are gone are not counted)."""
    try:
        names = [entry.name for entry in warm_dir.iterdir()]
    except OSError:
        return 0
    return sum(1 for name in names if name.isdigit() and _alive(int(name)))
