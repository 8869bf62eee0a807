"""Both editions build without warnings, switch between each other, speak their
language, and load nothing from outside the machine."""
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

EDITIONS = ("en", "fr")


class _Collector(HTMLParser):
    """Collect every URL the browser would load, and every link."""

    LOADS = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
             ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"),
             ("link", "href"), ("use", "href"), ("image", "href"), ("input", "src"),
             ("track", "src")}
    PASSIVE_LINK_RELS = {"canonical", "alternate", "prev", "next", "author", "license", "help"}

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.links: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in self.LOADS:
                rel = set((attributes.get("rel") or "").split())
                if tag == "link" and rel and rel <= self.PASSIVE_LINK_RELS:
                    continue
                self.loads.append(value)
            if name == "style":
                self.styles.append(value)
            if name == "srcset":
                self.loads.extend(part.split()[0] for part in value.split(",") if part.strip())
        if tag == "a":
            self.links.append((attributes.get("href") or "", attributes))
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in_style = False


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def pages(html_dir: Path, lang: str, redirects: bool = True) -> list[Path]:
    found = sorted(p for p in (html_dir / lang).rglob("*.html") if "_static" not in p.parts)
    if not redirects:  # the edition's index.html only sends the browser on to the welcome page
        found = [p for p in found if 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:600]]
    return found


def is_external(url: str) -> bool:
    parsed = urlparse(url.strip())
    return bool(parsed.netloc) or parsed.scheme in ("http", "https")


CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
CSS_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)")


def test_both_editions_and_the_root_page_exist(built_book):
    assert (built_book / "en" / "index.html").is_file()
    assert (built_book / "fr" / "index.html").is_file()
    root = (built_book / "index.html").read_text(encoding="utf-8")
    assert 'href="en/index.html"' in root and 'href="fr/index.html"' in root


def test_both_editions_have_the_same_pages(built_book):
    names = {lang: {p.relative_to(built_book / lang) for p in pages(built_book, lang)} for lang in EDITIONS}
    assert names["en"] == names["fr"]
    assert len(names["en"]) >= 8


@pytest.mark.parametrize("lang", EDITIONS)
def test_no_page_loads_anything_from_outside_the_machine(built_book, lang):
    offenders = []
    for page in pages(built_book, lang):
        found = parse(page)
        urls = list(found.loads)
        for style in found.styles:
            urls += CSS_URL.findall(style) + CSS_IMPORT.findall(style)
        offenders += [f"{page.relative_to(built_book)}: {u}" for u in urls if is_external(u)]
    # The stylesheets and scripts the pages load must not reach out either.
    for css in (built_book / lang / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for url in CSS_URL.findall(text) + CSS_IMPORT.findall(text):
            if is_external(url):
                offenders.append(f"{css.relative_to(built_book)}: {url}")
    assert offenders == []


@pytest.mark.parametrize("lang", EDITIONS)
def test_every_page_switches_to_the_same_page_in_the_other_language(built_book, lang):
    other = "fr" if lang == "en" else "en"
    checked = 0
    for page in pages(built_book, lang, redirects=False):
        switches = [(href, a) for href, a in parse(page).links if "lang-switch-link" in (a.get("class") or "")]
        assert len(switches) == 1, f"{page}: {len(switches)} language switchers"
        href = switches[0][0]
        target = (page.parent / href).resolve()
        expected = (built_book / other / page.relative_to(built_book / lang)).resolve()
        assert target == expected, f"{page}: switcher goes to {target}"
        assert target.is_file()
        checked += 1
    assert checked >= 8


def test_pages_declare_their_language(built_book):
    for lang in EDITIONS:
        for page in pages(built_book, lang, redirects=False):
            head = page.read_text(encoding="utf-8")[:400]
            assert f'lang="{lang}"' in head, page


def test_executed_outputs_come_out_in_the_edition_language(built_book):
    en = (built_book / "en" / "exercises" / "three-dimensions.html").read_text(encoding="utf-8")
    fr = (built_book / "fr" / "exercises" / "three-dimensions.html").read_text(encoding="utf-8")
    from reintegra import dimensions

    economic = sum(need.dimension == "economic" for need in dimensions.NEEDS)
    # The worked example's printed summary, and the widget's saved state.
    assert f"{economic} of 12 right" in en and f"{economic} sur 12 justes" in fr
    assert "Check my answers" in widget_texts(en) and "Vérifier mes réponses" in widget_texts(fr)
    assert "Vérifier mes réponses" not in widget_texts(en) and "Check my answers" not in widget_texts(fr)


def widget_texts(page: str) -> set[str]:
    """The descriptions of the widgets saved in a page (ipywidgets' widget state)."""
    found = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', page, re.S)
    assert found, "no widget state in the page"
    state = json.loads(found.group(1))["state"]
    return {model["state"].get("description") for model in state.values()} - {None, ""}


def test_the_theme_speaks_french_in_the_french_edition(built_book):
    page = (built_book / "fr" / "modules" / "m1-integrated-approach" / "index.html").read_text(encoding="utf-8")
    assert ">précédent<" in page.lower() and ">suivant<" in page.lower()
    assert "Recherche" in page
    english = (built_book / "en" / "modules" / "m1-integrated-approach" / "index.html").read_text(encoding="utf-8")
    assert ">previous<" in english.lower() and "précédent" not in english.lower()


def test_static_widgets_render_from_local_files(built_book):
    page = built_book / "en" / "exercises" / "three-dimensions.html"
    text = page.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in text
    scripts = [u for u in parse(page).loads if "embed" in u]
    assert scripts and all(not is_external(u) for u in scripts)
    assert (page.parent / scripts[0].split("?")[0]).resolve().is_file()


@pytest.mark.parametrize("lang", EDITIONS)
def test_module_one_is_a_lesson(built_book, lang):
    page = (built_book / lang / "modules" / "m1-integrated-approach" / "index.html").read_text(encoding="utf-8")
    for css in ("lesson-info", "lesson-questions", "lesson-objectives", "lesson-keypoints", "instructor-note"):
        assert css in page, css
    quizzes = re.findall(r'<form class="quiz" id="([^"]+)"', page)
    assert len(quizzes) >= 6
    # Every option of every quiz carries its own feedback.
    options = page.count('class="quiz-option"')
    assert options == page.count('class="quiz-feedback')
    assert page.count("quiz-right") == len(quizzes)


@pytest.mark.parametrize("lang", EDITIONS)
def test_objectives_map_lists_every_objective_with_its_assessments(built_book, repo, lang):
    from reintegra.lessons import read_course

    page = (built_book / lang / "book" / "objectives.html").read_text(encoding="utf-8")
    for lesson in read_course(repo):
        for oid in lesson.objectives:
            assert f"#objective-{oid}" in page, oid
        for qid in lesson.quizzes:
            if lesson.quizzes[qid]:
                assert f"#{qid}" in page, qid


# ---------------------------------------------------------------- glossary links
# These read the sources, not the built book.

GLOSSARY_BLOCK = re.compile(r"^(`{3,}|:{3,})\{glossary\}[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")


def glossary_terms(glossary: Path) -> list[str]:
    """The terms of the glossary block: its unindented lines (an entry may have several)."""
    found = GLOSSARY_BLOCK.search(glossary.read_text(encoding="utf-8"))
    assert found, f"no glossary block in {glossary}"
    return [line.strip() for line in found.group(2).splitlines()
            if line.strip() and not line[0].isspace() and not line.startswith(":")]


def term_targets(text: str) -> set[str]:
    """The glossary terms that the {term} roles of a text link to, lower-cased as Sphinx compares them."""
    targets = set()
    for content in TERM_ROLE.findall(text):
        explicit = re.search(r"<([^<>]+)>\s*$", content)
        target = explicit.group(1) if explicit else content
        targets.add(" ".join(target.split()).lower())
    return targets


def markdown_of_notebook(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


def test_every_glossary_term_is_linked_from_a_page(repo):
    terms = glossary_terms(repo / "book" / "glossary.md")
    assert len(terms) >= 40, "the glossary block was not read"
    linked: set[str] = set()
    for folder in ("book", "modules"):
        for page in sorted((repo / folder).rglob("*.md")):
            linked |= term_targets(page.read_text(encoding="utf-8"))
    for folder in ("exercises", "modules"):
        for notebook in sorted((repo / folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" not in notebook.parts:
                linked |= term_targets(markdown_of_notebook(notebook))
    unlinked = [term for term in terms if term.lower() not in linked]
    assert unlinked == [], f"{len(unlinked)} glossary terms that no page links to: {', '.join(unlinked)}"
