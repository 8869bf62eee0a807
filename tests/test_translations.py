"""The French edition is complete and current: a missing, empty, fuzzy or stale
translation of the book's text fails here, as does a straight apostrophe, a
missing no-break space or a missing plural form. The package's own catalogues
are checked with the same rules in test_i18n.py."""
import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from reintegra import build
from reintegra.translations import check_catalogues


@pytest.fixture(scope="module")
def templates(repo, tmp_path_factory):
    """The English messages of the book as it is now."""
    return build.extract_messages(tmp_path_factory.mktemp("gettext"))


def test_every_message_of_the_book_has_a_current_french_translation(repo, templates):
    pots = list(templates.rglob("*.pot"))
    assert len(pots) >= 8, "the extraction found too few pages"
    problems = check_catalogues(templates, repo / "locales" / "fr" / "LC_MESSAGES")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(map(str, problems[:40]))


def _rewrite(path, change):
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    change(catalogue)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=0)


def _translated(catalogue):
    return [m for m in catalogue if m.id and m.string]


def test_emptying_or_fuzzing_one_french_entry_is_caught(repo, templates, tmp_path):
    locales = tmp_path / "LC_MESSAGES"
    shutil.copytree(repo / "locales" / "fr" / "LC_MESSAGES", locales)
    po = locales / "modules" / "m1-integrated-approach" / "index.po"
    emptied, fuzzed = {}, {}

    def damage(catalogue):
        first, second = _translated(catalogue)[3:5]
        emptied["id"], first.string = first.id, ""
        fuzzed["id"] = second.id
        second.flags.add("fuzzy")

    _rewrite(po, damage)
    found = {(p.msgid, p.kind) for p in check_catalogues(templates, locales)}
    assert (emptied["id"], "untranslated") in found
    assert (fuzzed["id"], "fuzzy") in found


def test_changing_the_english_source_makes_the_translation_stale(repo, templates, tmp_path):
    pots = tmp_path / "gettext"
    shutil.copytree(templates, pots)
    pot = pots / "book" / "welcome.pot"
    changed = {}

    def edit(catalogue):
        message = [m for m in catalogue if m.id][2]
        catalogue.delete(message.id, message.context)
        changed["id"] = message.id + " (revised)"
        catalogue.add(changed["id"], "", locations=message.locations)

    _rewrite(pot, edit)
    found = {(p.msgid, p.kind) for p in check_catalogues(pots, repo / "locales" / "fr" / "LC_MESSAGES")}
    assert (changed["id"], "untranslated") in found


@pytest.mark.parametrize("french, kind", [
    ("Attention : ceci est faux", "typography"),  # a plain space before the colon
    ("L'approche intégrée", "apostrophe"),  # a straight apostrophe
])
def test_bad_french_typography_in_the_book_is_caught(repo, templates, tmp_path, french, kind):
    locales = tmp_path / "LC_MESSAGES"
    shutil.copytree(repo / "locales" / "fr" / "LC_MESSAGES", locales)
    po = locales / "book" / "welcome.po"
    target = {}

    def damage(catalogue):
        message = _translated(catalogue)[1]
        target["id"] = message.id
        message.string = french

    _rewrite(po, damage)
    found = {(p.msgid, p.kind) for p in check_catalogues(templates, locales)}
    assert (target["id"], kind) in found


_HEADERS = {
    # Babel's, from CLDR (what sphinx-intl writes for the book), and the gettext one (the package's).
    "cldr": "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
    "gettext": "nplurals=2; plural=(n > 1);",
}


def _plural_catalogues(tmp_path, header, forms):
    pot_dir, po_dir = tmp_path / "pot", tmp_path / "po"
    pot_dir.mkdir()
    po_dir.mkdir()
    msgid = 'msgctxt "c"\nmsgid "{n} row"\nmsgid_plural "{n} rows"\n'
    (pot_dir / "page.pot").write_text(f'msgid ""\nmsgstr ""\n\n{msgid}msgstr[0] ""\nmsgstr[1] ""\n', encoding="utf-8")
    strings = "".join(f'msgstr[{i}] "{text}"\n' for i, text in enumerate(forms))
    (po_dir / "page.po").write_text(
        f'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: {header}\\n"\n\n{msgid}{strings}', encoding="utf-8")
    return check_catalogues(pot_dir, po_dir)


@pytest.mark.parametrize("header, forms, missing", [
    ("gettext", ["{n}\u00a0ligne", "{n}\u00a0lignes"], False),
    ("gettext", ["{n}\u00a0ligne"], True),
    ("gettext", ["{n}\u00a0ligne", ""], True),
    ("cldr", ["{n}\u00a0ligne", "{n}\u00a0de lignes", "{n}\u00a0lignes"], False),
    ("cldr", ["{n}\u00a0ligne", "{n}\u00a0lignes"], True),
])
def test_a_missing_french_plural_form_is_caught_under_either_header(tmp_path, header, forms, missing):
    kinds = {p.kind for p in _plural_catalogues(tmp_path, _HEADERS[header], forms)}
    assert ("plural-missing" in kinds) is missing
    assert kinds <= {"plural-missing"}
