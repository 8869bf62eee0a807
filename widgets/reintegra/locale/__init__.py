"""The package's messages in every language, from gettext catalogues.

Every string a user reads in a widget, a chart or an error message is declared
once, in English, through :func:`messages`::

    M = messages("referral", {
        "title": "Referral mapping",
        "results": plural("{n} service matches your filters.", "{n} services match your filters."),
    })
    M("title", lang)                      # one message
    M.n("results", count, lang)           # a count: the right plural form; {n} is the count, formatted

The translations live in gettext catalogues beside this module, one per
language: ``locale/<lang>/LC_MESSAGES/reintegra.po``, made from the template
``locale/reintegra.pot``. Each message is one entry whose context
(``msgctxt``) is ``"namespace.key"`` and whose ``msgid`` is the English; a
count has a ``msgid_plural`` and one ``msgstr[i]`` per plural form of the
language. The catalogues are read at run time with Babel (pure Python, so it
also runs in Pyodide) and looked up with the standard library's ``gettext``
(``pgettext``/``npgettext``). A translator edits the ``.po`` file with any
gettext tool and needs no Python; a new language is a new catalogue.

``reintegra translations`` (``./course translations``) extracts the
declarations into the template and merges it into every catalogue, together
with the book's: a changed English message becomes *fuzzy*, a new one empty.
``reintegra translations --migrate-inline`` moves French still written inside a
declaration (the older form ``"key": ("English", "Français")``, which keeps
working until then) into the catalogue and leaves the English alone in the code.
The test-suite fails while any such inline French remains, and on any missing,
empty, fuzzy or stale entry, missing plural form or French typography error.

The language of a session is chosen, in this order, by an explicit argument, by
the ``REINTEGRA_LANG`` environment variable (the French edition of the book
sets it when it executes the notebooks), by ``lang=fr`` in the query string of a
Voila page, and otherwise English. Numbers, percentages and dates are formatted
for the language by Babel (:func:`fmt_number`, :func:`fmt_percent`,
:func:`fmt_date`).
"""
from __future__ import annotations

import gettext
import io
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qs

DOMAIN = "reintegra"
LOCALE_DIR = Path(__file__).resolve().parent
SOURCE_LANGUAGE = DEFAULT_LANGUAGE = "en"
ENV_VAR = "REINTEGRA_LANG"
# The gettext standard for French: 0 and 1 take the singular.
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);"}


def catalogue_path(lang: str, locale_dir: Path | None = None) -> Path:
    return (locale_dir or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path(locale_dir: Path | None = None) -> Path:
    return (locale_dir or LOCALE_DIR) / f"{DOMAIN}.pot"


def languages() -> tuple[str, ...]:
    """English, then every language that has a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *[code for code in found if code != SOURCE_LANGUAGE])


LANGUAGES = languages()


class _LanguageNames(dict):
    """``{"en": "English", "fr": "Français", …}``: each language named in itself (CLDR)."""

    def __missing__(self, code: str) -> str:
        try:
            from babel import Locale

            name = Locale.parse(code).get_display_name(code) or code
        except Exception:  # an unknown code: show it as it is
            name = code
        self[code] = name[:1].upper() + name[1:]
        return self[code]


LANGUAGE_NAMES: dict[str, str] = _LanguageNames(en="English", fr="Français")


def normalise_lang(lang: str | None) -> str | None:
    """Return a known language code for things like ``"fr_FR.UTF-8"``; ``None`` if unknown."""
    if not lang:
        return None
    code = str(lang).strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else None


def current_lang(lang: str | None = None) -> str:
    """The language to use: the argument, the environment, the Voila query, or English."""
    code = normalise_lang(lang)
    if code:
        return code
    for candidate in (
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
        from ..preheat import wait_for_request

        for code in LANGUAGES:  # read the catalogues while nobody waits
            translations(code)
        wait_for_request()
        _REQUEST_SEEN = True
    return current_lang(lang)


def _lang_from_query(query: str) -> str | None:
    values = parse_qs(query.lstrip("?")).get("lang")
    return values[0] if values else None


# --------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Plural:
    """The two English forms of a message that shows a count."""

    one: str
    other: str


def plural(one: str, other: str) -> Plural:
    """Declare a counted message: ``plural("{n} row", "{n} rows")``."""
    return Plural(one, other)


@dataclass
class Message:
    key: str  # "namespace.key", the msgctxt of its catalogue entry
    en: str  # the msgid
    en_plural: str | None = None  # the msgid_plural of a counted message
    inline: dict[str, str] = field(default_factory=dict)  # translations still written in the code
    same: bool = False  # declared (inline) with a translation rightly identical to the English
    location: tuple[str, int] | None = None  # where it is declared (file, line)

    def text(self, lang: str, n: int | None = None) -> str:
        t = translations(lang)
        if self.en_plural is None:
            return t.pgettext(self.key, self.en)
        return t.npgettext(self.key, self.en, self.en_plural, 1 if n is None else n)

    def get(self, lang: str) -> str:
        return self.text(lang)

    @property
    def fr(self) -> str:
        return self.text("fr")


_CATALOGUE: dict[str, Message] = {}


def _parse(value: Any) -> tuple[str, str | None, dict[str, str], bool]:
    """English, English plural, inline translations and ``same`` of one declared value."""
    if isinstance(value, str):
        return value, None, {}, False
    if isinstance(value, Plural):
        return value.one, value.other, {}, False
    if isinstance(value, Mapping):  # the older {"en": …, "fr": …, "same": …} form
        inline = {k: v for k, v in value.items() if k not in ("en", "same") and isinstance(v, str)}
        return value["en"], None, inline, bool(value.get("same", False))
    en, fr, *rest = value  # the older ("English", "Français"[, same]) form
    return en, None, {"fr": fr}, bool(rest and rest[0])


def _caller() -> tuple[str, int] | None:
    """The file and line of the ``messages(...)`` call being run."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None


class Messages:
    """A namespace of messages: ``M = messages("referral", {...}); M("title", lang)``."""

    def __init__(self, namespace: str, entries: Mapping[str, Any], location: tuple[str, int] | None = None):
        self.namespace = namespace
        self.keys: list[str] = []
        for key, value in entries.items():
            en, en_plural, inline, same = _parse(value)
            full = f"{namespace}.{key}"
            old = _CATALOGUE.get(full)
            if old is not None and (old.en, old.en_plural, old.inline) != (en, en_plural, inline):
                raise ValueError(f"message {full!r} declared twice with different text")
            _CATALOGUE[full] = Message(full, en, en_plural, inline, same, location)
            self.keys.append(key)

    def _message(self, key: str) -> Message:
        return _CATALOGUE[f"{self.namespace}.{key}"]

    def __call__(self, key: str, lang: str | None = None, /, **fields) -> str:
        message = self._message(key)
        if message.en_plural is not None and "n" in fields:
            return self.n(key, fields.pop("n"), lang, **fields)
        text = message.text(current_lang(lang))
        return text.format(**fields) if fields else text

    def n(self, key: str, count: int, lang: str | None = None, /, **fields) -> str:
        """A counted message in the plural form ``count`` takes in ``lang``.

        ``{n}`` in the text is the count, formatted for the language, unless
        ``n=`` is given among the fields.
        """
        code = current_lang(lang)
        count = int(count)
        fields.setdefault("n", fmt_number(count, code))
        return self._message(key).text(code, count).format(**fields)

    def both(self, key: str) -> dict[str, str]:
        """The message in every language: ``{"en": …, "fr": …}``."""
        message = self._message(key)
        return {code: message.text(code) for code in LANGUAGES}

    def __contains__(self, key: str) -> bool:
        return f"{self.namespace}.{key}" in _CATALOGUE


def messages(namespace: str, entries: Mapping[str, Any]) -> Messages:
    """Declare the messages of one part of the package (English; counts with :func:`plural`)."""
    return Messages(namespace, entries, _caller())


def all_messages() -> Iterator[Message]:
    """Every message declared so far (import the package's modules first)."""
    yield from list(_CATALOGUE.values())


def pick(value: Mapping[str, str] | str, lang: str | None = None) -> str:
    """Pick the language from a ``{"en": ..., "fr": ...}`` mapping found in data files."""
    if isinstance(value, str):
        return value
    code = current_lang(lang)
    return value.get(code) or value.get(DEFAULT_LANGUAGE) or ""


# ------------------------------------------------------------------------ catalogues


class _Inline(gettext.NullTranslations):
    """What the catalogue of a language lacks: a translation still written in the
    declaration (until ``--migrate-inline`` moves it), else the English."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def pgettext(self, context, message):
        declared = _CATALOGUE.get(context)
        if declared is not None and declared.en == message and self.lang in declared.inline:
            return declared.inline[self.lang]
        return message


_TRANSLATIONS: dict[str, gettext.NullTranslations] = {}


def read_catalogue(path: Path, lang: str | None = None):
    """A ``.po`` file as a Babel catalogue."""
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=lang, abort_invalid=False)


def translations(lang: str) -> gettext.NullTranslations:
    """The ``gettext`` translations of ``lang``, read once from its catalogue."""
    found = _TRANSLATIONS.get(lang)
    if found is not None:
        return found
    fallback = _Inline(lang)
    path = catalogue_path(lang)
    if lang == SOURCE_LANGUAGE or not path.exists():
        result: gettext.NullTranslations = fallback
    else:
        from babel.messages.mofile import write_mo

        buffer = io.BytesIO()
        write_mo(buffer, read_catalogue(path, lang), use_fuzzy=False)  # fuzzy entries are not used
        buffer.seek(0)
        result = gettext.GNUTranslations(buffer)
        result.add_fallback(fallback)
    _TRANSLATIONS[lang] = result
    return result


def reload() -> None:
    """Forget the catalogues read so far (after they changed on disk)."""
    global LANGUAGES
    _TRANSLATIONS.clear()
    LANGUAGES = languages()


# ------------------------------------------------------------------------ formatting


@lru_cache(maxsize=None)
def _number_format(lang: str, digits: int, percent: bool):
    """The Babel locale and the parsed pattern for numbers (or percentages) of ``lang``."""
    from babel import Locale
    from babel.numbers import parse_pattern

    locale = Locale.parse(lang)
    if percent:
        pattern = locale.percent_formats[None].pattern
        # The course's French typography: a narrow no-break space before %, as between thousands.
        pattern = pattern.replace("\u00a0", "\u202f")
    else:
        pattern = "#,##0"
    if digits > 0:  # "#,##0 %" → "#,##0.0 %": the decimals go after the last integer digit
        head, _, tail = pattern.rpartition("0")
        pattern = head + "0." + "0" * digits + tail
    return locale, parse_pattern(pattern)


def fmt_number(value: float, lang: str | None = None, digits: int = 0) -> str:
    """A number as a reader of the language writes it: 12,345.7 / 12 345,7 (narrow no-break space)."""
    locale, pattern = _number_format(current_lang(lang), max(digits, 0), False)
    return pattern.apply(value, locale)


def fmt_percent(value: float, lang: str | None = None, digits: int = 0) -> str:
    """A share (0–1) as a percentage: 42% in English, 42 % in French (narrow no-break space)."""
    locale, pattern = _number_format(current_lang(lang), max(digits, 0), True)
    return pattern.apply(value, locale)


def fmt_date(value, lang: str | None = None, format: str = "long") -> str:  # noqa: A002 - Babel's name
    """A date as the language writes it: "7 December 2026" / "7 décembre 2026"."""
    import datetime as dt

    from babel.dates import format_date

    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    elif isinstance(value, dt.datetime) or hasattr(value, "to_pydatetime"):
        value = value.date()
    return format_date(value, format=format, locale=current_lang(lang))
