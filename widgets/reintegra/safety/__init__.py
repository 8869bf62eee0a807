"""Safety protocols: guidance where lives are at stake, written once.

Each protocol is a JSON file next to this module (``suicide-risk.json``), with
its English and French text. The book renders it with the ``safety-protocol``
directive; the assessment instrument's screening flag names it (``"protocol":
"suicide-risk"``) and shows its summary. No other place words the protocol.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..i18n import pick

HERE = Path(__file__).parent


def protocol_names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))


@lru_cache(maxsize=None)
def load_protocol(name: str) -> dict[str, Any]:
    """The protocol's data; ``KeyError`` with the known names if there is none."""
    path = HERE / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no safety protocol named {name!r}; known: {', '.join(protocol_names())}")
    return json.loads(path.read_text(encoding="utf-8"))


def summary(name: str, lang: str | None = None) -> str:
    """The one-paragraph form: what a screening flag shows."""
    return pick(load_protocol(name)["summary"], lang)


def summary_texts(name: str) -> dict[str, str]:
    """The summary in every language, as data files hold text."""
    return dict(load_protocol(name)["summary"])


def markdown(name: str, lang: str, form: str = "full") -> str:
    """The protocol as MyST Markdown in one language (``form`` is ``full`` or ``summary``).

    Sources are cited with ``{cite}`` so that they join the book's bibliography."""
    data = load_protocol(name)
    cites = ",".join(data.get("sources", []))
    if form == "summary":
        lines = [pick(data["summary"], lang), "", pick(data["full_link"], lang)]
    else:
        lines = [pick(data["when"], lang), ""]
        for number, step in enumerate(data["steps"], start=1):
            lines.append(f"{number}. **{pick(step['title'], lang)}.** {pick(step['text'], lang)}")
        lines += ["", f"**{pick(data['numbers_title'], lang)}**", ""]
        for entry in data["numbers"]:
            lines.append(f"- **{entry['number']}**: {pick(entry['service'], lang)}" if lang != "fr"
                         else f"- **{entry['number']}**\u00a0: {pick(entry['service'], lang)}")
        lines += ["", pick(data["numbers_note"], lang)]
    if cites:
        colon = "\u00a0:" if lang == "fr" else ":"
        lines += ["", f"{pick(data['sources_label'], lang)}{colon} {{cite}}`{cites}`."]
    return "\n".join(lines)


def plain_texts(name: str, lang: str, form: str = "full") -> list[str]:
    """The sentences a reader must find on a page that renders the protocol (for tests)."""
    data = load_protocol(name)
    if form == "summary":
        return [pick(data["summary"], lang)]
    texts = [pick(data["when"], lang), pick(data["numbers_note"], lang)]
    texts += [pick(step["text"], lang) for step in data["steps"]]
    return texts
