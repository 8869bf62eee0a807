"""One message catalogue for both languages.

Every string a user reads in a widget, a chart or an error message is declared
once, with its English and its French, through :func:`messages`. The language of
a session is chosen, in this order, by an explicit argument, by the
``REINTEGRA_LANG`` environment variable (the French edition of the book sets it
when it executes the notebooks), by ``lang=fr`` in the query string of a Voila
page, and otherwise English.

The catalogue is checked by the test-suite: no empty entry, no French left equal
to the English unless declared identical, French typography (non-breaking space
before ; : ! ? and inside « »).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator, Mapping
from urllib.parse import parse_qs

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
ENV_VAR = "REINTEGRA_LANG"

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def normalise_lang(lang: str | None) -> str | None:
    """Return ``"en"`` or ``"fr"`` for things like ``"fr_FR.UTF-8"``; ``None`` if unknown."""
    if not lang:
        return None
    code = str(lang).strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else None


def current_lang(lang: str | None = None) -> str:
    """The language to use: the argument, the environment, the Voila query, or English."""
    for candidate in (
        lang,
        os.environ.get(ENV_VAR),
        _lang_from_query(os.environ.get("QUERY_STRING", "")),
        os.environ.get("REINTEGRA_DEFAULT_LANG"),  # set by the workshop command
    ):
        code = normalise_lang(candidate)
        if code:
            return code
    return DEFAULT_LANGUAGE


_REQUEST_SEEN = False


def session_lang(lang: str | None = None) -> str:
    """The language of this dashboard's participant.

    In a workshop, Voila preheats kernels: the notebook runs before anyone asks
    for it, so the page's ``?lang=`` is not known yet. Here the notebook waits
    for the participant's request (once), then reads the language from it. Call
    it after the slow set-up (imports, data) so that the preheating does that
    work in advance.
    """
    global _REQUEST_SEEN
    if os.environ.get("VOILA_PREHEAT") == "True" and not _REQUEST_SEEN:
        from .preheat import wait_for_request

        wait_for_request()
        _REQUEST_SEEN = True
    return current_lang(lang)


def _lang_from_query(query: str) -> str | None:
    values = parse_qs(query.lstrip("?")).get("lang")
    return values[0] if values else None


@dataclass(frozen=True)
class Message:
    key: str
    en: str
    fr: str
    same: bool = False  # True when the French is rightly identical (a proper name, "OK")

    def get(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


_CATALOGUE: dict[str, Message] = {}


class Messages:
    """A namespace of messages: ``M = messages("referral", {...}); M("title", lang)``."""

    def __init__(self, namespace: str, entries: Mapping[str, Mapping[str, str] | tuple]):
        self.namespace = namespace
        self.keys: list[str] = []
        for key, value in entries.items():
            if isinstance(value, Mapping):
                en, fr, same = value["en"], value["fr"], bool(value.get("same", False))
            else:
                en, fr, *rest = value
                same = bool(rest and rest[0])
            full = f"{namespace}.{key}"
            if full in _CATALOGUE and (_CATALOGUE[full].en, _CATALOGUE[full].fr) != (en, fr):
                raise ValueError(f"message {full!r} declared twice with different text")
            _CATALOGUE[full] = Message(full, en, fr, same)
            self.keys.append(key)

    def __call__(self, key: str, lang: str | None = None, /, **fields) -> str:
        message = _CATALOGUE[f"{self.namespace}.{key}"]
        text = message.get(current_lang(lang))
        return text.format(**fields) if fields else text

    def both(self, key: str) -> dict[str, str]:
        message = _CATALOGUE[f"{self.namespace}.{key}"]
        return {"en": message.en, "fr": message.fr}

    def __contains__(self, key: str) -> bool:
        return f"{self.namespace}.{key}" in _CATALOGUE


def messages(namespace: str, entries: Mapping[str, Mapping[str, str] | tuple]) -> Messages:
    """Declare the messages of one part of the package."""
    return Messages(namespace, entries)


def all_messages() -> Iterator[Message]:
    """Every message declared so far (import the package's modules first)."""
    yield from _CATALOGUE.values()


def pick(value: Mapping[str, str] | str, lang: str | None = None) -> str:
    """Pick the language from a ``{"en": ..., "fr": ...}`` mapping found in data files."""
    if isinstance(value, str):
        return value
    code = current_lang(lang)
    return value.get(code) or value.get(DEFAULT_LANGUAGE) or ""


def fmt_number(value: float, lang: str | None = None, digits: int = 0) -> str:
    """Format a number the way a reader of the language expects (1,234.5 / 1 234,5)."""
    text = f"{value:,.{digits}f}"
    if current_lang(lang) == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_percent(value: float, lang: str | None = None, digits: int = 0) -> str:
    """A share (0–1) as a percentage: 42 % in French (narrow no-break space), 42% in English."""
    number = fmt_number(100 * value, lang, digits)
    return f"{number}\u202f%" if current_lang(lang) == "fr" else f"{number}%"
