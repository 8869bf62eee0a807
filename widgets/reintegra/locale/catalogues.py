"""The package's gettext catalogues: extract, update, migrate, check.

* :func:`extract` reads every :func:`~reintegra.locale.messages` declaration of
  the package (by importing its modules) into a Babel catalogue: one entry per
  message, ``msgctxt`` ``"namespace.key"``, ``msgid`` the English, and
  ``msgid_plural`` for a count.
* :func:`update` writes it to ``locale/reintegra.pot`` and merges it into each
  language's ``locale/<lang>/LC_MESSAGES/reintegra.po`` (changed English
  becomes fuzzy, new English an empty entry). ``reintegra translations`` calls
  it together with the book's extraction: one workflow for both.
* :func:`migrate_inline` moves French still written in a declaration
  (``"key": ("English", "Français")``) into the catalogue and rewrites the
  declaration to its English alone.
* :func:`check` lists what the test-suite refuses: inline translations, a
  template out of date, and in each catalogue a missing, empty, fuzzy or stale
  entry, a missing plural form, differing placeholders, and (French) a straight
  apostrophe or a missing no-break space.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from . import (
    DOMAIN,
    LOCALE_DIR,
    PLURAL_FORMS,
    SOURCE_LANGUAGE,
    Message,
    all_messages,
    catalogue_path,
    read_catalogue,
    reload,
    template_path,
)

PACKAGE_DIR = LOCALE_DIR.parent
HEADER = """# {what}
# Made by `reintegra translations` from the messages(...) declarations; translate
# the msgstr entries (msgctxt is "namespace.key", msgid the English) and remove
# the fuzzy flags. The same licence as the reintegra package (MIT)."""


@dataclass(frozen=True)
class Problem:
    where: str
    msgid: str
    kind: str  # untranslated, fuzzy, stale, plural-missing, typography, apostrophe, placeholders-differ, inline-french, template-out-of-date, missing-file

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.msgid[:80]!r}"


def load_all_modules() -> None:
    """Import every module of the package so that all messages are declared."""
    import reintegra

    for info in pkgutil.walk_packages(reintegra.__path__, "reintegra."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)


def package_messages() -> list[Message]:
    """The messages declared in the package's own files, in the order of their files."""
    load_all_modules()
    mine = []
    for index, message in enumerate(all_messages()):
        if message.location is None:
            continue
        path = Path(message.location[0]).resolve()
        if PACKAGE_DIR in path.parents:
            mine.append((path.relative_to(PACKAGE_DIR).as_posix(), message.location[1], index, message))
    return [m for *_, m in sorted(mine, key=lambda t: t[:3])]


def _relative(message: Message) -> tuple[str, int]:
    path, line = message.location
    path = Path(path).resolve()
    if PACKAGE_DIR in path.parents:
        return f"reintegra/{path.relative_to(PACKAGE_DIR).as_posix()}", line
    return path.name, line


def _msgid(message: Message):
    return message.en if message.en_plural is None else (message.en, message.en_plural)


def extract():
    """The template: every declared message of the package, in English."""
    from babel.messages.catalog import Catalog

    catalogue = Catalog(project=DOMAIN, msgid_bugs_address="", copyright_holder="", fuzzy=False,
                        header_comment=HEADER.format(what="Messages of the reintegra package (widgets, charts, errors): the template."))
    for message in package_messages():
        brace = "{" in message.en or "{" in (message.en_plural or "")
        catalogue.add(_msgid(message), context=message.key, locations=[_relative(message)],
                      flags=("python-brace-format",) if brace else ())
    return catalogue


def _entries(catalogue) -> list[tuple]:
    return [(m.context, m.id) for m in catalogue if m.id]


def _write(path: Path, catalogue, **options) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        # File names without line numbers: moving a declaration does not change the catalogues.
        write_po(handle, catalogue, width=0, include_lineno=False, **options)
    partial.replace(path)  # whole or not at all: a kernel reading the catalogue meanwhile sees one or the other


def _set_plural_forms(catalogue, lang: str) -> None:
    header = PLURAL_FORMS.get(lang)
    if header:
        nplurals, expr = (part.split("=", 1)[1].strip() for part in header.rstrip(";").split(";"))
        catalogue._num_plurals, catalogue._plural_expr = int(nplurals), expr


def update(locale_dir: Path | None = None, langs: tuple[str, ...] = ("fr",)) -> list[Path]:
    """Write the template and merge it into each language's catalogue; returns the files written."""
    locale_dir = locale_dir or LOCALE_DIR
    template = extract()
    pot = template_path(locale_dir)
    if pot.exists():  # keep the date when nothing changed, so that the file does not change either
        old = read_catalogue(pot)
        if _entries(old) == _entries(template):
            template.creation_date = old.creation_date
    _write(pot, template)
    written = [pot]
    found = {p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    for lang in sorted(found | set(langs)):
        po = catalogue_path(lang, locale_dir)
        if po.exists():
            catalogue = read_catalogue(po, lang)
        else:
            from babel.messages.catalog import Catalog

            catalogue = Catalog(locale=lang, project=DOMAIN, msgid_bugs_address="", copyright_holder="",
                                header_comment=HEADER.format(what=f"Messages of the reintegra package in {lang}."))
        _set_plural_forms(catalogue, lang)
        catalogue.fuzzy = False
        catalogue.update(template, update_header_comment=False)
        _write(po, catalogue, ignore_obsolete=True)
        written.append(po)
    reload()
    return written


# ------------------------------------------------------------------------- migration


def _is_messages_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or len(node.args) < 2 or not isinstance(node.args[1], ast.Dict):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name == "messages"


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _english_node(value: ast.AST) -> ast.AST | None:
    """The English of an inline declaration ``("en", "fr"[, same])`` or ``{"en": …, "fr": …}``."""
    if isinstance(value, ast.Tuple) and len(value.elts) in (2, 3) and all(map(_is_text, value.elts[:2])):
        return value.elts[0]
    if isinstance(value, ast.Dict):
        keys = {k.value: v for k, v in zip(value.keys, value.values) if _is_text(k)}
        if "en" in keys and "fr" in keys and _is_text(keys["en"]):
            return keys["en"]
    return None


def rewrite_declarations(source: str) -> tuple[str, int]:
    """The source with every inline declaration reduced to its English; and how many were."""
    data = source.encode("utf-8")
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:  # ast columns count UTF-8 bytes
        return starts[line - 1] + col

    edits = []
    for node in ast.walk(ast.parse(source)):
        if not _is_messages_call(node):
            continue
        for value in node.args[1].values:
            english = _english_node(value)
            if english is None:
                continue
            text = data[offset(english.lineno, english.col_offset):offset(english.end_lineno, english.end_col_offset)]
            if b"\n" in text:
                text = b"(" + text + b")"
            edits.append((offset(value.lineno, value.col_offset), offset(value.end_lineno, value.end_col_offset), text))
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    return data.decode("utf-8"), len(edits)


def migrate_inline(locale_dir: Path | None = None) -> dict:
    """Move inline translations into the catalogues and rewrite the declarations.

    Returns what was done: ``{"translations": n, "files": [...], "left": [keys]}``;
    ``left`` are declarations built by code (not a literal), to edit by hand.
    """
    locale_dir = locale_dir or LOCALE_DIR
    inline = [m for m in package_messages() if m.inline]
    langs = tuple(sorted({lang for m in inline for lang in m.inline} | {"fr"}))
    update(locale_dir, langs)
    moved = 0
    for lang in langs:
        po = catalogue_path(lang, locale_dir)
        catalogue = read_catalogue(po, lang)
        for message in inline:
            if lang not in message.inline:
                continue
            entry = catalogue.get(_msgid(message) if message.en_plural is None else message.en, message.key)
            entry.string = message.inline[lang]
            entry.flags.discard("fuzzy")
            moved += 1
        _write(po, catalogue, ignore_obsolete=True)
    files = []
    # Only files whose declarations were read (imported) above: their French is in the catalogue now.
    declared_in = {Path(m.location[0]).resolve() for m in inline}
    for path in sorted(declared_in):
        source = path.read_text(encoding="utf-8")
        new, count = rewrite_declarations(source)
        if count:
            path.write_text(new, encoding="utf-8")
            files.append(_relative(Message("", "", location=(str(path), 0)))[0])
    left = []
    for path in declared_in:  # a French text still in the code: a declaration built by code
        constants = {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        left += [m.key for m in inline if Path(m.location[0]).resolve() == path
                 and any(text in constants and text != m.en for text in m.inline.values())]
    left.sort()
    reload()
    return {"translations": moved, "files": files, "left": left}


# ----------------------------------------------------------------------------- checks

# French typography: a (narrow) no-break space before ; : ! ? and inside « ».
_SPACE_BEFORE = re.compile(r"(?<=[\w»)\]*`]) ([;:!?])(?=\s|$)")
_GUILLEMET_OPEN = re.compile(r"« ")
_GUILLEMET_CLOSE = re.compile(r" »")
# Markdown and MyST constructs whose colons and quotes are syntax, not prose.
_SYNTAX = re.compile(r"\{[\w:-]+\}`[^`]*`|`[^`]*`|\]\([^)]*\)|https?://\S+|:::?\{?[\w-]*\}?")
_FIELD = re.compile(r"{(\w+)")


def french_problems(where: str, msgid: str, text: str) -> list[Problem]:
    """French typography: no-break spaces before ; : ! ? and inside « », and the apostrophe ’."""
    prose = _SYNTAX.sub("", text)
    problems = []
    if _SPACE_BEFORE.search(prose) or _GUILLEMET_OPEN.search(prose) or _GUILLEMET_CLOSE.search(prose):
        problems.append(Problem(where, msgid, "typography"))
    if "'" in prose:
        problems.append(Problem(where, msgid, "apostrophe"))
    return problems


def forms(entry) -> list[str]:
    """The translated forms of a catalogue entry (one, or one per plural form)."""
    string = entry.string
    return [str(s or "") for s in string] if isinstance(string, (tuple, list)) else [str(string or "")]


def check_entry(where: str, entry, found, lang: str, nplurals: int) -> list[Problem]:
    """One template ``entry`` against its translation ``found`` (``None`` if absent)."""
    msgid = entry.id[0] if isinstance(entry.id, (tuple, list)) else entry.id
    msgid = str(msgid)
    if found is None or not any(s.strip() for s in forms(found)):
        return [Problem(where, msgid, "untranslated")]
    if found.fuzzy:
        return [Problem(where, msgid, "fuzzy")]
    texts = forms(found)
    if isinstance(entry.id, (tuple, list)):
        if len(texts) < nplurals or not all(s.strip() for s in texts[:nplurals]):
            return [Problem(where, msgid, "plural-missing")]
    problems: list[Problem] = []
    if lang == "fr":
        for text in texts:
            problems.extend(french_problems(where, msgid, text))
    return problems


def _same_fields(msgid, texts: list[str]) -> bool:
    """The translation uses the English's fields; a singular form may leave out the count ``{n}``."""
    if isinstance(msgid, str):
        return set(_FIELD.findall(texts[0])) == set(_FIELD.findall(msgid))
    english = set(_FIELD.findall(msgid[0])) | set(_FIELD.findall(msgid[1]))
    used = [set(_FIELD.findall(text)) for text in texts]
    return all(u <= english for u in used) and english - {"n"} <= set().union(*used)


def check(locale_dir: Path | None = None) -> list[Problem]:
    """Everything that keeps the package's catalogues from being complete and current."""
    locale_dir = locale_dir or LOCALE_DIR
    declared = package_messages()
    problems = [Problem(f"{m.key} ({':'.join(map(str, _relative(m)))})", m.en, "inline-french")
                for m in declared if m.inline]
    template = extract()
    pot = template_path(locale_dir)
    on_disk = set(_entries(read_catalogue(pot))) if pot.exists() else set()
    problems += [Problem(str(ctx), str(mid), "template-out-of-date")
                 for ctx, mid in _entries(template) if (ctx, mid) not in on_disk]
    by_key = {m.key: m for m in declared}
    langs = sorted({p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")} | {"fr"})
    for lang in langs:
        if lang == SOURCE_LANGUAGE:
            continue
        po = catalogue_path(lang, locale_dir)
        if not po.exists():
            problems.append(Problem(str(po), "", "missing-file"))
            continue
        catalogue = read_catalogue(po, lang)
        contexts = {m.context for m in catalogue if m.id}
        for entry in template:
            if not entry.id:
                continue
            found = catalogue.get(entry.id if isinstance(entry.id, str) else entry.id[0], entry.context)
            if found is not None and isinstance(entry.id, (tuple, list)) != isinstance(found.id, (tuple, list)):
                found = None
            if found is None and entry.context in contexts:
                problems.append(Problem(f"{lang}:{entry.context}", str(by_key[entry.context].en), "stale"))
                continue
            where = f"{lang}:{entry.context}"
            problems.extend(check_entry(where, entry, found, lang, catalogue.num_plurals))
            if found is not None and not found.fuzzy and any(forms(found)) and not _same_fields(entry.id, forms(found)):
                problems.append(Problem(where, str(by_key[entry.context].en), "placeholders-differ"))
    return problems
