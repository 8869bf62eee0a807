"""Small pieces shared by the exercise widgets."""
from __future__ import annotations

import base64
import html
import os

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


# The workshop sets this in participants' kernels; the trainer's own tools (loading a
# directory) are then not shown.
ROLE_ENV = "REINTEGRA_WORKSHOP_ROLE"


def trainer_tools_shown() -> bool:
    """False in a workshop participant's kernel (``REINTEGRA_WORKSHOP_ROLE=participant``)."""
    return os.environ.get(ROLE_ENV, "").strip().lower() != "participant"


def download_link(content: bytes, name: str, mime: str, text: str, new_tab: bool = False) -> str:
    """A link that saves ``content`` on the reader's own device, as ``name``.

    The file travels inside the page (a data: URI): nothing is written on the machine
    that runs the kernel, and it works the same in Voila, JupyterLab and JupyterLite."""
    href = f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"
    target = " target='_blank' rel='noopener'" if new_tab else ""
    return f"<a download='{esc(name)}' href='{href}'{target}>{esc(text)}</a>"


def progress_bar() -> w.FloatProgress:
    """A progress bar for a long load, hidden until it is used."""
    bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info", style={"description_width": "initial"},
                          layout=w.Layout(width="min(36em, 100%)", display="none"))
    return bar


def show_progress(bar: w.FloatProgress, label: str):
    """Show ``bar`` with ``label`` and return the callback a loader reports its progress to."""
    bar.description = label
    bar.value = 0.0
    bar.layout.display = ""

    def report(fraction: float, _what: str = "") -> None:
        bar.value = max(bar.value, min(float(fraction), 1.0))
    return report
