"""The kernel websocket's binary frames, read without trusting them.

A participant's page talks to its kernel over a websocket, in JSON text or in
one of two binary framings: Jupyter's legacy one (a 32-bit count of parts, then
their 32-bit big-endian offsets) and the ``v1.kernel.websocket.jupyter.org``
subprotocol (a 64-bit little-endian count, then 64-bit offsets, the channel
name, the message's four parts and its buffers).

The readers of jupyter_server 2.21 and Voila 0.5.13 trust the count: a frame
of eight bytes claiming 2**62 parts makes the server build a list of that size,
and Voila reads frames of the legacy framing as if they were ``v1``, so the
ordinary widget state of the referral map (which has binary buffers) is taken
for a frame of billions of parts. Either one stops the server for the whole
room. The workshop's websocket handler checks every frame with
:func:`check_legacy` or :func:`check_v1` first; only frames whose count and
offsets fit inside the frame itself go further.
"""
from __future__ import annotations

import json
import struct

V1 = "v1.kernel.websocket.jupyter.org"
# A message has four JSON parts (header, parent header, metadata, content) and
# its buffers; the course's widgets send at most a few buffers in one message.
MAX_BUFFERS = 64


class BadFrame(ValueError):
    """A binary frame whose count or offsets do not fit inside the frame."""


def _check_offsets(offsets: list[int], start: int, size: int) -> None:
    if offsets and offsets[0] < start:
        raise BadFrame("the first part overlaps the offsets")
    previous = start
    for offset in offsets:
        if offset < previous or offset > size:
            raise BadFrame("an offset points outside the frame")
        previous = offset


def check_legacy(frame: bytes) -> list[bytes]:
    """The parts of a frame in the legacy framing (the JSON message, then its buffers)."""
    if len(frame) < 8:
        raise BadFrame("too short")
    count = struct.unpack("!I", frame[:4])[0]
    if not 1 <= count <= 1 + MAX_BUFFERS:
        raise BadFrame(f"{count} parts")
    start = 4 * (count + 1)
    if len(frame) < start:
        raise BadFrame("shorter than its offsets")
    offsets = list(struct.unpack(f"!{count}I", frame[4:start]))
    _check_offsets(offsets, start, len(frame))
    ends = offsets[1:] + [len(frame)]
    return [frame[a:b] for a, b in zip(offsets, ends)]


def check_v1(frame: bytes) -> tuple[str, list[bytes]]:
    """The channel and the parts (header, parent header, metadata, content, buffers) of a ``v1`` frame."""
    if len(frame) < 8:
        raise BadFrame("too short")
    count = int.from_bytes(frame[:8], "little")
    # the channel's start, the four parts' starts, the buffers' starts, the end
    if not 6 <= count <= 6 + MAX_BUFFERS:
        raise BadFrame(f"{count} offsets")
    start = 8 * (count + 1)
    if len(frame) < start:
        raise BadFrame("shorter than its offsets")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    _check_offsets(offsets, start, len(frame))
    try:
        channel = frame[offsets[0]:offsets[1]].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadFrame("the channel is not text") from exc
    return channel, [frame[offsets[i]:offsets[i + 1]] for i in range(1, count - 1)]


def outgoing_message(message, protocol: str | None) -> tuple[dict, dict]:
    """The header and content of a message the server sends to a page (empty when unreadable).

    ``message`` is what jupyter_server hands to the websocket: JSON text, or
    bytes in the framing of the protocol the page negotiated (``protocol``).
    """
    try:
        if isinstance(message, dict):
            return message.get("header") or {}, message.get("content") or {}
        if isinstance(message, str):
            decoded = json.loads(message)
            return decoded.get("header") or {}, decoded.get("content") or {}
        if protocol == V1:
            _, parts = check_v1(message)
            return json.loads(parts[0]), json.loads(parts[3])
        decoded = json.loads(check_legacy(message)[0])
        return decoded.get("header") or {}, decoded.get("content") or {}
    except (BadFrame, ValueError, TypeError, IndexError, AttributeError):
        return {}, {}


def hidden_from_participants(header: dict, content: dict) -> bool:
    """Messages a participant's page never receives: the code of a cell (``execute_input``),
    errors and their tracebacks, and what the kernel writes to stderr (warnings with the laptop's paths)."""
    kind = header.get("msg_type")
    if kind in ("execute_input", "error"):
        return True
    return kind == "stream" and content.get("name") == "stderr"
