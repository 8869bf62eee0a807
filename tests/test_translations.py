"""The French edition is complete and current: a missing, empty, fuzzy or stale
translation of the book's text fails here."""
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


def test_bad_french_typography_in_the_book_is_caught(repo, templates, tmp_path):
    locales = tmp_path / "LC_MESSAGES"
    shutil.copytree(repo / "locales" / "fr" / "LC_MESSAGES", locales)
    po = locales / "book" / "welcome.po"
    target = {}

    def damage(catalogue):
        message = _translated(catalogue)[1]
        target["id"] = message.id
        message.string = "Attention : ceci est faux"

    _rewrite(po, damage)
    found = {(p.msgid, p.kind) for p in check_catalogues(templates, locales)}
    assert (target["id"], "typography") in found
