"""Checks that keep the French edition complete and current.

Two kinds of translation live in the project:

* the book's prose, in gettext catalogues ``locales/fr/LC_MESSAGES/**.po``,
  extracted from the English sources (``reintegra translations``);
* the package's messages (widgets, charts, errors), declared with both
  languages in :mod:`reintegra.i18n`.

Both are checked here; the test-suite fails on any problem found.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from . import i18n


@dataclass(frozen=True)
class Problem:
    where: str
    msgid: str
    kind: str  # missing-file, untranslated, fuzzy, typography, same-as-english

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.msgid[:80]!r}"


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def check_catalogues(pot_dir: Path, po_dir: Path) -> list[Problem]:
    """Every message of every ``.pot`` has a current French translation in ``po_dir``.

    A message whose English changed is fuzzy after ``reintegra translations``,
    and one that is new is empty: both are reported, as is a missing catalogue.
    Without the update step, a changed English message is simply absent from
    the catalogue: reported as untranslated too.
    """
    problems: list[Problem] = []
    for pot in sorted(pot_dir.rglob("*.pot")):
        rel = pot.relative_to(pot_dir).with_suffix(".po")
        po = po_dir / rel
        template = _read(pot)
        if not po.exists():
            problems.extend(Problem(str(rel), m.id, "missing-file") for m in template if m.id)
            continue
        catalogue = _read(po)
        for message in template:
            if not message.id:
                continue
            found = catalogue.get(message.id, message.context)
            if found is None or not found.string or not str(found.string).strip():
                problems.append(Problem(str(rel), str(message.id), "untranslated"))
            elif found.fuzzy:
                problems.append(Problem(str(rel), str(message.id), "fuzzy"))
            else:
                problems.extend(_typography(str(rel), str(message.id), str(found.string)))
    return problems


# French typography: a (narrow) no-break space before ; : ! ? and inside « ».
_SPACE_BEFORE = re.compile(r"(?<=[\w»)\]*`]) ([;:!?])(?=\s|$)")
_GUILLEMET_OPEN = re.compile(r"« ")
_GUILLEMET_CLOSE = re.compile(r" »")
# Markdown and MyST constructs whose colons are syntax, not punctuation.
_SYNTAX = re.compile(r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\]\([^)]*\)|https?://\S+|:::?\{?[\w-]*\}?")


def _typography(where: str, msgid: str, text: str) -> list[Problem]:
    prose = _SYNTAX.sub("", text)
    if _SPACE_BEFORE.search(prose) or _GUILLEMET_OPEN.search(prose) or _GUILLEMET_CLOSE.search(prose):
        return [Problem(where, msgid, "typography")]
    return []


def load_all_modules() -> None:
    """Import every module of the package so that all messages are declared."""
    import reintegra

    for info in pkgutil.walk_packages(reintegra.__path__, "reintegra."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


def check_messages() -> list[Problem]:
    """The package's own catalogue: both languages present, French distinct and well typeset."""
    load_all_modules()
    problems: list[Problem] = []
    for message in i18n.all_messages():
        if not message.en.strip() or not message.fr.strip():
            problems.append(Problem(message.key, message.en, "untranslated"))
            continue
        if message.fr == message.en and not message.same:
            problems.append(Problem(message.key, message.en, "same-as-english"))
        problems.extend(_typography(message.key, message.en, message.fr))
        if set(re.findall(r"{(\w+)", message.en)) != set(re.findall(r"{(\w+)", message.fr)):
            problems.append(Problem(message.key, message.en, "placeholders-differ"))
    return problems
