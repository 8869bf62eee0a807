"""The build is strict: a notebook that raises, or a page with a warning, fails it."""
import json
import shutil

import pytest

from reintegra import build


def small_book(repo, tmp_path, page_name: str, page_text: str):
    """A copy of the book's configuration with one page of our own."""
    root = tmp_path / "book"
    (root / "book").mkdir(parents=True)
    shutil.copy(repo / "_config.yml", root / "_config.yml")
    shutil.copy(repo / "book" / "references.bib", root / "book" / "references.bib")
    shutil.copytree(repo / "book" / "_static", root / "book" / "_static")
    (root / "book" / "welcome.md").write_text("# Welcome\n\nA small book.\n", encoding="utf-8")
    (root / page_name).write_text(page_text, encoding="utf-8")
    (root / "_toc.yml").write_text(
        f"format: jb-book\nroot: book/welcome\nchapters:\n  - file: {page_name.rsplit('.', 1)[0]}\n",
        encoding="utf-8",
    )
    return root


def build_in(root, monkeypatch) -> int:
    monkeypatch.setenv("REINTEGRA_ROOT", str(root))
    return build.build_edition("en", quiet=True)


def notebook(source: str) -> str:
    return json.dumps({
        "cells": [
            {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A notebook"},
            {"cell_type": "code", "id": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": source},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


def test_a_notebook_that_raises_fails_the_build(repo, tmp_path, monkeypatch):
    root = small_book(repo, tmp_path, "broken.ipynb", notebook("raise RuntimeError('this exercise is broken')"))
    assert build_in(root, monkeypatch) != 0


def test_a_notebook_that_runs_builds(repo, tmp_path, monkeypatch):
    root = small_book(repo, tmp_path, "fine.ipynb", notebook("print(6 * 7)"))
    assert build_in(root, monkeypatch) == 0
    assert "42" in (root / "_build" / "html" / "en" / "fine.html").read_text(encoding="utf-8")


def test_a_warning_fails_the_build(repo, tmp_path, monkeypatch):
    root = small_book(repo, tmp_path, "page.md", "# Page\n\nSee {term}`a term that is not in any glossary`.\n")
    assert build_in(root, monkeypatch) != 0


def test_the_execution_cache_is_emptied_when_the_data_change(tmp_path):
    """Executed pages read the data: a cache keyed on code cells alone would keep stale outputs."""
    from reintegra.build import refresh_execution_cache

    (tmp_path / "datasets").mkdir()
    (tmp_path / "widgets" / "reintegra").mkdir(parents=True)
    (tmp_path / "datasets" / "instrument.json").write_text('{"label": "old"}')
    cache = tmp_path / "_build" / ".jupyter_cache" / "en"
    cache.mkdir(parents=True)
    (cache / "global.db").write_text("x")
    assert refresh_execution_cache("en", tmp_path) is True  # no stamp yet: made before the fingerprint
    cache.mkdir(parents=True)
    (cache / "global.db").write_text("x")
    assert refresh_execution_cache("en", tmp_path) is False and (cache / "global.db").exists()
    (tmp_path / "datasets" / "instrument.json").write_text('{"label": "new"}')
    assert refresh_execution_cache("en", tmp_path) is True and not cache.exists()
