"""A participant without a browser, for the workshop's load benchmark.

A participant's device does three things to the workshop server when they
open a dashboard: it asks for the page (Voila starts or takes a kernel and
runs the exercise), it downloads the page's scripts, styles and fonts, and it
connects to the kernel to fetch the widgets and send what the participant
does. This client does exactly those three things, with the same requests and
the same websocket messages as the dashboard's page (Voila's widget manager:
``kernel_info_request``, the ``jupyter.widget.control`` comm, ``request_states``,
then ``update`` and ``custom`` messages on the widgets' comms), but renders
nothing. The load that it puts on the server is a participant's load; the
rendering happens on the participant's own device.

The scenario is the one-hour session's first exercise, *three dimensions*: the
participant waits for the *Check my answers* button, answers the first need,
clicks the button and waits for the summary that the kernel sends back.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import struct
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from ..i18n import current_lang, messages

CONNECTIONS_PER_DEVICE = 6  # what a browser opens to one host at a time

M = messages(
    "participant",
    {
        "no_reply": "no reply from the kernel in {timeout} s",
        "closed": "the kernel's connection closed",
        "no_kernel": "the page names no kernel",
        "no_widgets": "the page shows none of the kernel's widgets",
        "no_button": "no “{button}” button among the {count} widgets",
    },
)


@dataclass
class Visit:
    """What happened to one participant, in seconds from the moment they opened the page."""

    page_s: float | None = None  # the page's HTML has arrived (the exercise ran in the kernel)
    assets_s: float | None = None  # scripts, styles and fonts have arrived
    ready_s: float | None = None  # widgets fetched from the kernel: the check button is there
    feedback_s: float | None = None  # answered one need, clicked, and the summary came back
    summary: str = ""
    assets_bytes: int = 0
    error: str = ""
    kernel_id: str = ""  # for leaving the page (:func:`leave`)
    cookies: str = ""


def _message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> dict:
    return {
        "header": {"msg_id": uuid.uuid4().hex, "username": "participant", "session": session,
                   "msg_type": msg_type, "version": "5.3",
                   "date": dt.datetime.now(dt.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": [],
    }


def decode_frame(frame: str | bytes) -> dict:
    """A kernel message from the websocket: JSON text, or Jupyter's binary framing
    (number of parts, their offsets, the JSON message, then its buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = struct.unpack("!I", frame[:4])[0]
    offsets = list(struct.unpack(f"!{count}I", frame[4:4 + 4 * count])) + [len(frame)]
    message = json.loads(frame[offsets[0]:offsets[1]].decode("utf-8"))
    message["buffers"] = [frame[offsets[i]:offsets[i + 1]] for i in range(1, count)]
    return message


class Kernel:
    """The kernel's websocket as the dashboard's page uses it."""

    def __init__(self, connection, session: str):
        self.connection = connection
        self.session = session

    async def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        message = _message(self.session, msg_type, content, metadata)
        await self.connection.write_message(json.dumps(message))
        return message["header"]["msg_id"]

    async def replies(self, parent: str, until, timeout: float) -> list[dict]:
        """Messages in reply to ``parent`` until ``until(message)`` is true."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(M("no_reply", current_lang(), timeout=round(timeout)))
            frame = await asyncio.wait_for(self.connection.read_message(), left)
            if frame is None:
                raise ConnectionError(M("closed", current_lang()))
            message = decode_frame(frame)
            if message.get("parent_header", {}).get("msg_id") != parent:
                continue
            got.append(message)
            if until(message):
                return got


def _assets_in(html: str) -> list[str]:
    found = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']""", html)
    return [path for path in found if not path.startswith("data:")]


def _widget(states: dict, model: str, **wanted) -> str | None:
    for model_id, entry in states.items():
        state = entry.get("state", {})
        if entry.get("model_name") == model and all(state.get(k) == v for k, v in wanted.items()):
            return model_id
    return None


async def visit(url: str, *, lang: str = "en", assets: list[str] | None = None,
                answer_index: int = 0, timeout: float = 240) -> Visit:
    """Open the dashboard at ``url`` as a participant would; never raises.

    ``assets`` are the paths (from the server's root) that the page downloads;
    recorded from a real browser by :func:`reintegra.bench_workshop.record_assets`.
    Without them, the client downloads what the HTML names directly.
    """
    from ..ui.common import M as UI

    button = UI("check", lang)
    result = Visit()
    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    client = AsyncHTTPClient(force_instance=True, max_clients=CONNECTIONS_PER_DEVICE)
    try:
        response = await client.fetch(HTTPRequest(url, request_timeout=timeout, connect_timeout=timeout))
        html = response.body.decode("utf-8")
        cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie"))
        headers = {"Cookie": cookies} if cookies else {}
        result.page_s = time.perf_counter() - start
        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', html)
        if not found:
            raise RuntimeError(M("no_kernel", current_lang()))
        kernel_id = found.group(1)
        result.kernel_id, result.cookies = kernel_id, cookies
        root = "{0.scheme}://{0.netloc}/".format(urlsplit(url))

        paths = assets if assets is not None else _assets_in(html)

        async def download(path: str) -> int:
            answer = await client.fetch(HTTPRequest(urljoin(root if path.startswith("/") else url, path),
                                                    headers=headers, request_timeout=timeout,
                                                    connect_timeout=timeout))  # a browser queues, it does not give up after 20 s
            return len(answer.body)

        result.assets_bytes = sum(await asyncio.gather(*(download(p) for p in paths)))
        result.assets_s = time.perf_counter() - start

        # The page asks for the kernel's model, then connects to its channels.
        await client.fetch(HTTPRequest(f"{root}api/kernels/{kernel_id}", headers=headers,
                                       request_timeout=timeout, connect_timeout=timeout))
        session = uuid.uuid4().hex
        ws_url = f"ws{root[4:]}api/kernels/{kernel_id}/channels?session_id={session}"
        connection = await asyncio.wait_for(
            websocket_connect(HTTPRequest(ws_url, headers=headers), max_message_size=64 * 2**20),
            max(deadline - time.monotonic(), 1))
        kernel = Kernel(connection, session)
        left = lambda: max(deadline - time.monotonic(), 1)  # noqa: E731
        parent = await kernel.send("kernel_info_request", {})
        await kernel.replies(parent, lambda m: m["header"]["msg_type"] == "kernel_info_reply", left())

        control = uuid.uuid4().hex
        await kernel.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                        "data": {}}, metadata={"version": "1.0.0"})
        parent = await kernel.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        got = await kernel.replies(
            parent, lambda m: m["header"]["msg_type"] == "comm_msg"
            and m["content"]["data"].get("method") == "update_states", left())
        states = got[-1]["content"]["data"]["states"]
        await kernel.send("comm_close", {"comm_id": control, "data": {}})
        shown = set(re.findall(r'"model_id":\s*"([0-9a-f]+)"', html))
        if not shown & set(states):
            raise RuntimeError(M("no_widgets", current_lang()))
        check = _widget(states, "ButtonModel", description=button)
        if not check:
            raise RuntimeError(M("no_button", current_lang(), button=button, count=len(states)))
        result.ready_s = time.perf_counter() - start

        # Answer the first need (the first row of toggle buttons), then check; the
        # summary is the last widget of the exercise's outermost box.
        order = _children_in_order(states)
        first = next(i for i in order if states[i].get("model_name") == "ToggleButtonsModel")
        outer = states[order[0]]["state"]["children"]
        summary_id = outer[-1].removeprefix("IPY_MODEL_")
        await kernel.send("comm_msg", {"comm_id": first, "data": {
            "method": "update", "state": {"index": answer_index}, "buffer_paths": []}})
        parent = await kernel.send("comm_msg", {"comm_id": check, "data": {
            "method": "custom", "content": {"event": "click"}}})
        summary = ""

        def done(message: dict) -> bool:
            nonlocal summary
            content = message["content"]
            if message["header"]["msg_type"] == "comm_msg" and content.get("comm_id") == summary_id:
                value = content.get("data", {}).get("state", {}).get("value")
                if value:
                    summary = re.sub(r"<[^>]+>", "", value).strip()
            return bool(summary)

        await kernel.replies(parent, done, left())
        result.summary = summary
        result.feedback_s = time.perf_counter() - start
        connection.close()
    except Exception as exc:  # noqa: BLE001 - a participant who did not get in is reported, not raised
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    finally:
        client.close()
    return result


async def leave(url: str, seen: Visit, timeout: float = 60) -> bool:
    """Close the page as a browser does (a reload, another address): the page's ``beforeunload``
    sends ``voila/api/shutdown/<kernel id>`` with its ``_xsrf`` cookie as a form field, and the
    server frees the kernel. True when the server did."""
    from urllib.parse import urlencode

    if not seen.kernel_id:
        return False
    cookies = dict(c.split("=", 1) for c in seen.cookies.split("; ") if "=" in c)
    root = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    client = AsyncHTTPClient(force_instance=True)
    try:
        answer = await client.fetch(HTTPRequest(
            f"{root}voila/api/shutdown/{seen.kernel_id}", method="POST", request_timeout=timeout,
            body=urlencode({"_xsrf": cookies.get("_xsrf", "")}), headers={"Cookie": seen.cookies}), raise_error=False)
        return answer.code == 204
    finally:
        client.close()


def _children_in_order(states: dict) -> list[str]:
    """Widget ids in the order the page shows them: depth first from the outermost box."""
    children = {i: [c.removeprefix("IPY_MODEL_") for c in e.get("state", {}).get("children", [])]
                for i, e in states.items()}
    inner = {c for kids in children.values() for c in kids}
    order: list[str] = []

    def walk(node: str) -> None:
        order.append(node)
        for kid in children.get(node, []):
            walk(kid)

    for top in (i for i in states if children.get(i) and i not in inner):
        walk(top)
    return order
