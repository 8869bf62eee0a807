"""The built book for every reader: the theme's words in French, code toggles only
over code, the case files readable without Python, an accessibility statement."""
from __future__ import annotations

import html
import re

import pytest

from reintegra.case_studies import load_case_studies
from reintegra.sphinxext.reach import fix_page

THEME_ENGLISH = ("Search this book", 'title="Toggle primary sidebar"', 'title="Toggle secondary sidebar"',
                 'aria-label="Main"', "Toggle hidden content")


def _pages(built_book, lang):
    return sorted(p for p in (built_book / lang).rglob("*.html") if "_static" not in p.parts)


def test_the_french_edition_speaks_french_in_the_theme_too(built_book):
    for page in _pages(built_book, "fr"):
        text = page.read_text(encoding="utf-8")
        found = [words for words in THEME_ENGLISH if words in text]
        assert found == [], f"{page.relative_to(built_book)}: {found}"
    welcome = (built_book / "fr" / "book" / "welcome.html").read_text(encoding="utf-8")
    assert 'placeholder="Rechercher dans le livre…"' in welcome
    assert 'aria-label="Table des matières"' in welcome


def test_a_code_toggle_appears_only_over_code(built_book):
    toggles = 0
    for lang, label in (("en", "Show code"), ("fr", "Afficher le code")):
        for page in _pages(built_book, lang):
            text = page.read_text(encoding="utf-8")
            for block in re.findall(r'<details class="admonition hide[^"]*">(.*?)</details>', text, re.S):
                toggles += 1
                assert label in block
                assert 'class="highlight' in block, f"{page.relative_to(built_book)}: a code toggle with no code"
    assert toggles >= 2  # Module 3 shows how its worked example is computed


def test_fixing_a_page_names_its_controls_by_what_they_show():
    page = ('<summary aria-label="Toggle hidden content"><p>Afficher le code</p></summary>'
            '<nav class="bd-links bd-docs-nav" aria-label="Main"></nav><table><tr><th></th><th>Score</th></tr></table>'
            '<summary><span class="toctree-toggle" role="presentation"><i class="fa-solid fa-chevron-down"></i></span></summary>')
    fixed = fix_page(page, "fr")
    assert "<summary><p>Afficher le code</p></summary>" in fixed
    assert 'aria-label="Table des matières"' in fixed
    assert "<td></td><th>Score</th>" in fixed
    assert '<summary aria-label="Afficher ou masquer les sections">' in fixed


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_case_file_is_a_readable_page_linked_from_the_exercise(built_book, lang):
    page = (built_book / lang / "book" / "case-files.html").read_text(encoding="utf-8")
    cases = load_case_studies()
    assert len(cases) == 6
    for case in cases:
        assert f'id="case-{case.id}"' in page, case.id
        assert html.escape(case.profile[lang]) in page
        assert case.notes, case.id
        for note in case.notes:
            assert html.escape(note.text[lang]) in page, f"{case.id} {note.date}"
    exercise = (built_book / lang / "exercises" / "case-assessment.html").read_text(encoding="utf-8")
    assert "book/case-files.html" in exercise
    handout = (built_book / lang / "book" / "handouts" / "exercises.html").read_text(encoding="utf-8")
    assert "case-files.html" in handout


def test_the_accessibility_statement_is_in_both_editions(built_book):
    for lang, title in (("en", "Accessibility"), ("fr", "Accessibilité")):
        page = (built_book / lang / "book" / "accessibility.html").read_text(encoding="utf-8")
        assert f"<h1>{title}" in page and "WCAG" in page
        welcome = (built_book / lang / "book" / "welcome.html").read_text(encoding="utf-8")
        assert "accessibility.html" in welcome  # in the table of contents
