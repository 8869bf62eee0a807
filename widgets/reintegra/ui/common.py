"""Small pieces shared by the exercise widgets."""
from __future__ import annotations

import html

import ipywidgets as w

from ..i18n import LANGUAGE_NAMES, LANGUAGES, current_lang, messages

M = messages(
    "ui",
    {
        "check": "Check my answers",
        "reset": "Start again",
        "language": "Language",
    },
)

# Okabe–Ito palette: distinguishable with the common forms of colour blindness.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
STATUS_COLOURS = {"right": "#009E73", "wrong": "#D55E00", "missing": "#6b6b6b"}
STATUS_SYMBOLS = {"right": "✔", "wrong": "✘", "missing": "?"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def status_badge(status: str, text: str) -> str:
    """A coloured verdict that also carries a symbol, so colour is never the only cue."""
    colour = STATUS_COLOURS.get(status, "#333")
    symbol = STATUS_SYMBOLS.get(status, "")
    return (
        f'<span style="color:{colour};font-weight:700" class="verdict verdict-{status}">'
        f'{symbol} {esc(text)}</span>'
    )


def language_of(lang: str | None) -> str:
    return current_lang(lang)


def language_picker(lang: str) -> w.ToggleButtons:
    return w.ToggleButtons(
        options=[(LANGUAGE_NAMES[code], code) for code in LANGUAGES],
        value=lang,
        description=M("language", lang),
        style={"button_width": "6.5em"},
    )
