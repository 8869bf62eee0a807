"""Checks that keep every translation complete and current.

Two sets of gettext catalogues, one workflow (``reintegra translations``):

* the book's prose, in ``locales/fr/LC_MESSAGES/**.po``, extracted from the
  English sources by Sphinx;
* the package's messages (widgets, charts, errors), declared in English with
  :func:`reintegra.locale.messages` and translated in
  ``widgets/reintegra/locale/<lang>/LC_MESSAGES/reintegra.po``
  (:mod:`reintegra.locale.catalogues`).

Both are checked here with the same rules; the test-suite fails on any problem
found: a missing, empty, fuzzy or stale entry, a missing plural form, and in
French a straight apostrophe or a missing no-break space.
"""
from __future__ import annotations

from pathlib import Path

from .locale.catalogues import (  # noqa: F401 - re-exported
    Problem,
    check as check_package_catalogues,
    check_entry,
    french_problems,
    load_all_modules,
)


def _read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle)


def check_catalogues(pot_dir: Path, po_dir: Path, lang: str = "fr") -> list[Problem]:
    """Every message of every ``.pot`` has a current translation in ``po_dir``.

    A message whose English changed is fuzzy after ``reintegra translations``,
    and one that is new is empty: both are reported, as is a missing catalogue.
    Without the update step, a changed English message is simply absent from
    the catalogue: reported as untranslated too. A counted message needs every
    plural form the catalogue's ``Plural-Forms`` header declares (three in
    Babel's CLDR header for French, two in the gettext one).
    """
    problems: list[Problem] = []
    for pot in sorted(pot_dir.rglob("*.pot")):
        rel = pot.relative_to(pot_dir).with_suffix(".po")
        po = po_dir / rel
        template = _read(pot)
        if not po.exists():
            problems.extend(Problem(str(rel), str(m.id), "missing-file") for m in template if m.id)
            continue
        catalogue = _read(po)
        for message in template:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            found = catalogue.get(key, message.context)
            problems.extend(check_entry(str(rel), message, found, lang, catalogue.num_plurals))
    return problems


def check_messages(locale_dir: Path | None = None) -> list[Problem]:
    """The package's catalogues (see :func:`reintegra.locale.catalogues.check`)."""
    return check_package_catalogues(locale_dir)
