"""The package's messages: the choice of language, the gettext catalogues, plural
forms, number formats, and the checks that keep the catalogues complete."""
import shutil
import textwrap

import pytest

from reintegra import i18n, locale
from reintegra.locale import catalogues
from reintegra.locale.catalogues import Problem, check, read_catalogue, rewrite_declarations
from reintegra.translations import check_messages

NB, NNB = "\u00a0", "\u202f"


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


def test_the_french_of_a_package_message_comes_from_its_catalogue():
    from reintegra.cli import M

    entry = read_catalogue(locale.catalogue_path("fr"), "fr").get(M.both("book")["en"], "cli.book")
    assert entry is not None and entry.string
    assert M("book", "fr") == entry.string == "Construire les deux éditions du livre et les servir."
    assert M("book", "en") == "Build both editions of the book and serve them."
    assert M.both("book") == {"en": "Build both editions of the book and serve them.", "fr": entry.string}


def test_an_older_inline_declaration_keeps_working_until_it_is_migrated():
    m = i18n.messages("test_i18n", {"hello": ("{n} cases today", "{n}\u00a0dossiers aujourd’hui")})
    assert m("hello", "en", n=3) == "3 cases today"
    assert m("hello", "fr", n=3) == "3\u00a0dossiers aujourd’hui"


def test_a_message_cannot_be_declared_twice_differently():
    i18n.messages("test_twice", {"a": "One"})
    with pytest.raises(ValueError):
        i18n.messages("test_twice", {"a": "Two"})


def test_counts_take_the_plural_form_of_the_language():
    from reintegra.referral import M
    from reintegra.ui.assessment import M as MA

    assert M.n("not_ready", 1, "en") == "1 point to fix before sending the referrals."
    assert M.n("not_ready", 4, "en") == "4 points to fix before sending the referrals."
    # French: 0 and 1 take the singular (Plural-Forms: nplurals=2; plural=(n > 1)).
    assert M.n("not_ready", 0, "fr") == f"0{NB}point à corriger avant d’envoyer les orientations."
    assert M.n("not_ready", 1, "fr") == f"1{NB}point à corriger avant d’envoyer les orientations."
    assert M.n("not_ready", 4, "fr") == f"4{NB}points à corriger avant d’envoyer les orientations."
    # The count is formatted for the language, and M(key, n=…) is the same as M.n.
    assert M.n("places", 1234, "fr") == f"1{NNB}234{NB}places restantes ce mois-ci"
    assert M("places", "en", n=1234) == "1,234 places left this month"
    assert MA.n("needs_extra", 1, "fr") == "1 n’y est pas prioritaire"
    assert MA.n("needs_extra", 2, "fr") == "2 n’y sont pas prioritaires"
    assert MA.n("assist_missed", 1, "fr") == "1 manquée"


def test_loader_summary_counts_rows_in_the_right_form():
    from reintegra.schema import M_PROBLEM

    assert M_PROBLEM.n("summary_ok", 1, "en") == "The file was loaded: 1 row."
    assert M_PROBLEM.n("summary_ok", 2, "fr") == f"Le fichier a été chargé{NB}: 2{NB}lignes."
    rows = M_PROBLEM.n("rows", 1, "fr")
    assert M_PROBLEM.n("summary_ok_warnings", 1, "fr", rows=rows) == \
        f"Le fichier a été chargé{NB}: 1{NB}ligne, avec 1{NB}avertissement à lire."


def test_numbers_percentages_and_dates_follow_the_language():
    assert i18n.fmt_number(12345.678, "en", 1) == "12,345.7"
    assert i18n.fmt_number(12345.678, "fr", 1) == f"12{NNB}345,7"
    assert i18n.fmt_number(7, "fr") == "7"
    assert i18n.fmt_percent(0.42, "fr") == f"42{NNB}%"
    assert i18n.fmt_percent(0.42, "en") == "42%"
    assert i18n.fmt_percent(0.425, "fr", 1) == f"42,5{NNB}%"
    assert i18n.fmt_date("2026-03-04", "fr") == "4 mars 2026"
    assert i18n.fmt_date("2026-03-04", "en") == "March 4, 2026"


def test_pick_reads_bilingual_data_values():
    assert i18n.pick({"en": "Health", "fr": "Santé"}, "fr") == "Santé"
    assert i18n.pick({"en": "Health"}, "fr") == "Health"


def test_every_package_message_has_a_current_translation():
    problems = check_messages()
    assert problems == [], "\n".join(map(str, problems))


# ----------------------------------------------------------------- the checks fail


@pytest.fixture
def locale_copy(tmp_path):
    """A copy of the package's catalogues, to damage."""
    shutil.copytree(locale.LOCALE_DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return tmp_path / "locale"


def _damage(locale_dir, change, lang="fr"):
    path = locale.catalogue_path(lang, locale_dir)
    catalogue = read_catalogue(path, lang)
    change(catalogue)
    catalogues._write(path, catalogue)


def _kinds(problems):
    return {(p.where, p.kind) for p in problems}


def test_an_empty_fuzzy_stale_or_badly_typeset_entry_fails(locale_copy):
    def change(catalogue):
        catalogue.get("Build both editions of the book and serve them.", "cli.book").string = ""
        catalogue.get("Build only; do not serve.", "cli.no_serve").flags.add("fuzzy")
        old = catalogue.get("Serve what is already built.", "cli.serve_only")
        catalogue.delete(old.id, old.context)
        catalogue.add("Serve what was built before.", "Servir ce qui a été construit avant.", context="cli.serve_only")
        catalogue.get("Port to serve on (default 8000).", "cli.port").string = "Port d'écoute (8000 par défaut)."
        catalogue.get("Build only this edition.", "cli.lang").string = "Attention : une seule édition."

    _damage(locale_copy, change)
    found = _kinds(check(locale_copy))
    assert ("fr:cli.book", "untranslated") in found
    assert ("fr:cli.no_serve", "fuzzy") in found
    assert ("fr:cli.serve_only", "stale") in found
    assert ("fr:cli.port", "apostrophe") in found
    assert ("fr:cli.lang", "typography") in found


def test_a_missing_french_plural_form_or_a_lost_field_fails(locale_copy):
    from reintegra.referral import M

    english = M.both("not_ready")["en"]

    def change(catalogue):
        catalogue.get(english, "referral.not_ready").string = ("{n}\u00a0point à corriger.", "")
        catalogue.get("{need}: {services}, {eligible}, {excluded}.", "referral.describe_head").string = "{need}\u00a0: {services}."

    _damage(locale_copy, change)
    found = _kinds(check(locale_copy))
    assert ("fr:referral.not_ready", "plural-missing") in found
    assert ("fr:referral.describe_head", "placeholders-differ") in found


def test_inline_french_and_an_outdated_template_fail(locale_copy, monkeypatch):
    declared = catalogues.package_messages()
    extra = locale.Message("cli.extra_inline", "Something new", inline={"fr": "Quelque chose de nouveau"},
                           location=(str(catalogues.PACKAGE_DIR / "cli.py"), 1))
    monkeypatch.setattr(catalogues, "package_messages", lambda: declared + [extra])
    found = _kinds(check(locale_copy))
    assert ("cli.extra_inline (reintegra/cli.py:1)", "inline-french") in found
    assert ("cli.extra_inline", "template-out-of-date") in found
    assert ("fr:cli.extra_inline", "untranslated") in found


# ------------------------------------------------------------------ the workflow


def test_migration_moves_inline_french_to_the_catalogue_and_leaves_english(tmp_path, monkeypatch):
    module = tmp_path / "declared_here.py"
    module.write_text(textwrap.dedent('''\
        from reintegra.i18n import messages

        M = messages("test_migrate", {
            "one": ("One case", "Un dossier"),
            "same": ("Total", "Total", True),
            "long": (
                "A long sentence "
                "on two lines.",
                "Une longue phrase "
                "sur deux lignes.",
            ),
            "dict": {"en": "Referral", "fr": "Orientation"},
            "done": "Already English only",
        })
    '''), encoding="utf-8")
    new, count = rewrite_declarations(module.read_text(encoding="utf-8"))
    assert count == 4
    assert '"one": "One case",' in new and '"same": "Total",' in new and '"dict": "Referral",' in new
    assert "Un dossier" not in new and "Orientation" not in new and "deux lignes" not in new
    compile(new, "declared_here.py", "exec")

    # End to end, in a copy: the French goes into the catalogue, the code keeps the English.
    monkeypatch.syspath_prepend(str(tmp_path))
    import declared_here  # noqa: F401 - declares the messages

    mine = [m for m in locale.all_messages() if m.key.startswith("test_migrate.")]
    monkeypatch.setattr(catalogues, "package_messages", lambda: mine)
    locale_dir = tmp_path / "locale"
    done = catalogues.migrate_inline(locale_dir)
    assert done["translations"] == 4 and done["left"] == []
    catalogue = read_catalogue(locale.catalogue_path("fr", locale_dir), "fr")
    assert catalogue.get("One case", "test_migrate.one").string == "Un dossier"
    assert catalogue.get("A long sentence on two lines.", "test_migrate.long").string == "Une longue phrase sur deux lignes."
    assert catalogue.get("Already English only", "test_migrate.done").string == ""
    assert "Un dossier" not in module.read_text(encoding="utf-8")
    assert "nplurals=2; plural=(n > 1);" in locale.catalogue_path("fr", locale_dir).read_text(encoding="utf-8")


def test_changed_english_becomes_fuzzy_after_update(tmp_path, monkeypatch):
    first = locale.Message("test_update.title", "Referral form", location=(str(catalogues.PACKAGE_DIR / "cli.py"), 1))
    monkeypatch.setattr(catalogues, "package_messages", lambda: [first])
    catalogues.update(tmp_path)
    _damage(tmp_path, lambda c: setattr(c.get("Referral form", "test_update.title"), "string", "Fiche d’orientation"))
    changed = locale.Message("test_update.title", "Referral forms", location=first.location)
    monkeypatch.setattr(catalogues, "package_messages", lambda: [changed])
    catalogues.update(tmp_path)
    entry = read_catalogue(locale.catalogue_path("fr", tmp_path), "fr").get("Referral forms", "test_update.title")
    assert entry.fuzzy and entry.string == "Fiche d’orientation"
    assert ("fr:test_update.title", "fuzzy") in _kinds(check(tmp_path))


@pytest.fixture
def with_arabic(locale_copy, monkeypatch):
    """The package's catalogues plus an Arabic one, made by the update command."""
    catalogues.update(locale_copy, langs=("ar",))
    monkeypatch.setattr(locale, "LOCALE_DIR", locale_copy)
    locale.reload()
    yield locale_copy
    monkeypatch.undo()
    locale.reload()


def test_a_third_language_is_a_catalogue_not_a_code_change(with_arabic):
    from reintegra.cli import M
    from reintegra.referral import M as MR

    catalogue_file = locale.catalogue_path("ar", with_arabic)
    assert "nplurals=6" in catalogue_file.read_text(encoding="utf-8")  # CLDR's Arabic plural forms
    ar = "إنشاء نسختي الكتاب وعرضهما."

    def translate(catalogue):
        catalogue.get(M.both("book")["en"], "cli.book").string = ar
        entry = catalogue.get(MR.both("not_ready")["en"], "referral.not_ready")
        entry.string = ("لا نقاط", "نقطة واحدة", "نقطتان", "{n} نقاط", "{n} نقطة", "{n} نقطة")

    _damage(with_arabic, translate, "ar")
    locale.reload()
    assert "ar" in locale.LANGUAGES and i18n.current_lang("ar") == "ar" or locale.current_lang("ar") == "ar"
    assert locale.LANGUAGE_NAMES["ar"] == "العربية"
    assert M("book", "ar") == ar
    assert MR.n("not_ready", 2, "ar") == "نقطتان"
    assert MR.n("not_ready", 11, "ar") == "11 نقطة"
    assert M("no_serve", "ar") == M("no_serve", "en")  # not translated yet: English
    found = _kinds(check(with_arabic))
    assert ("ar:cli.no_serve", "untranslated") in found
    assert ("ar:cli.book", "untranslated") not in found
