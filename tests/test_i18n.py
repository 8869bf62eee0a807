"""The message catalogue and the choice of language."""
import pytest

from reintegra import i18n
from reintegra.translations import check_messages


def test_language_is_chosen_by_argument_then_environment_then_query(monkeypatch):
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert i18n.current_lang() == "en"
    monkeypatch.setenv("QUERY_STRING", "foo=1&lang=fr")
    assert i18n.current_lang() == "fr"
    monkeypatch.setenv(i18n.ENV_VAR, "en_GB.UTF-8")
    assert i18n.current_lang() == "en"
    assert i18n.current_lang("fr-FR") == "fr"
    assert i18n.current_lang("de") == "en"  # unknown: the environment decides


def test_messages_format_fields_in_both_languages():
    m = i18n.messages("test_i18n", {"hello": ("{n} cases", "{n}\u00a0dossiers")})
    assert m("hello", "en", n=3) == "3 cases"
    assert m("hello", "fr", n=3) == "3\u00a0dossiers"


def test_a_message_cannot_be_declared_twice_differently():
    i18n.messages("test_twice", {"a": ("One", "Un")})
    with pytest.raises(ValueError):
        i18n.messages("test_twice", {"a": ("One", "Une")})


def test_numbers_follow_the_language():
    assert i18n.fmt_number(12345.678, "en", 1) == "12,345.7"
    assert i18n.fmt_number(12345.678, "fr", 1) == "12\u202f345,7"
    assert i18n.fmt_percent(0.42, "fr") == "42\u202f%"
    assert i18n.fmt_percent(0.42, "en") == "42%"


def test_pick_reads_bilingual_data_values():
    assert i18n.pick({"en": "Health", "fr": "Santé"}, "fr") == "Santé"
    assert i18n.pick({"en": "Health"}, "fr") == "Health"


def test_every_package_message_exists_in_both_languages_with_french_typography():
    problems = check_messages()
    assert problems == [], "\n".join(map(str, problems))


def test_the_catalogue_check_finds_a_bad_french_message():
    i18n.messages("test_bad", {
        "empty": ("Something", ""),
        "copied": ("Something else", "Something else"),
        "spacing": ("Note: this", "Remarque : ceci"),
    })
    kinds = {(p.where, p.kind) for p in check_messages()}
    assert ("test_bad.empty", "untranslated") in kinds
    assert ("test_bad.copied", "same-as-english") in kinds
    assert ("test_bad.spacing", "typography") in kinds
    # Leave the catalogue clean for the other tests.
    for key in ("empty", "copied", "spacing"):
        del i18n._CATALOGUE[f"test_bad.{key}"]
