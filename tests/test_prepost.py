"""The pre-test and the post-test: one data file, printed in the guide, answered on devices, tallied for the trainer."""
from __future__ import annotations

import html
import re

import pytest

from reintegra import evaluation as E
from reintegra.i18n import pick
from reintegra.ui.prepost import PrePostTest


def normalise(text: str) -> str:
    """Spaces collapsed; quotes and apostrophes alike, straight or as the book's typography prints them."""
    for curly, straight in (("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text).strip()


def text_of(page_html: str) -> str:
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page_html)
    body = re.sub(r"</?(em|strong|span|a|code)\b[^>]*>", "", body)  # inline: no space added
    return normalise(html.unescape(re.sub(r"<[^>]+>", " ", body)))


# ------------------------------------------------------------------ the data file

def test_the_file_holds_twelve_questions_of_each_test_in_both_languages():
    data = E.load()
    assert [q["n"] for q in data["questions"]] == list(range(1, 13))
    for q in data["questions"]:
        for lang in ("en", "fr"):
            assert q["idea"][lang] and q["module"][lang]
        for form in E.FORMS:
            item = q[form]
            assert list(item["options"]) == list(E.LETTERS), (form, q["n"])
            assert item["answer"] in E.LETTERS
            for lang in ("en", "fr"):
                assert item["text"][lang].strip()
                assert all(option[lang].strip() for option in item["options"].values())
        # equivalent items, not the same ones
        assert q["pre"]["text"]["en"] != q["post"]["text"]["en"]


def test_the_french_is_written_french():
    texts = []
    for q in E.load()["questions"]:
        texts.append(q["idea"]["fr"])
        for form in E.FORMS:
            texts.append(q[form]["text"]["fr"])
            texts += [o["fr"] for o in q[form]["options"].values()]
    joined = "\n".join(texts)
    assert "'" not in joined  # the typographic apostrophe only
    assert not re.search(r"[^\u00a0\u202f][?:;!]( |$)", joined.replace("...", "")), "a space before ? : ; ! must be non-breaking"
    assert "Manuel sur la réintégration" in joined


def test_the_answer_keys_and_the_one_day_subset():
    assert E.answer_key("pre")["q1"] == "C" and E.answer_key("post")["q1"] == "B"
    assert E.numbers("one-day") == [1, 2, 3, 4, 5, 10]
    assert list(E.answer_key("post", "one-day")) == ["q1", "q2", "q3", "q4", "q5", "q10"]
    # the one-day questions are those of Modules 1, 2, 3 and 7
    assert {pick(E.question(n)["module"], "en") for n in E.numbers("one-day")} == {"1", "2", "3", "7"}
    with pytest.raises(ValueError):
        E.numbers("half-day")
    with pytest.raises(ValueError):
        E.score("mid", {})


def test_scoring_counts_right_answers_and_blanks_per_question():
    key = E.answer_key("pre")
    perfect = E.score("pre", key)
    assert (perfect.right, perfect.total, perfect.share) == (12, 12, 1.0)
    wrong = {i: next(l for l in E.LETTERS if l != a) for i, a in key.items()}
    assert E.score("pre", wrong).right == 0
    mixed = E.score("post", {"q1": "B", "q2": "A", "q3": "Z", "q4": None})
    assert mixed.correct(1) is True and mixed.correct(2) is False
    assert mixed.correct(3) is None and mixed.correct(4) is None  # not a letter, blank: not answered
    assert (mixed.right, mixed.answered, mixed.total) == (1, 2, 12)
    short = E.score("post", {"q1": "B", "q6": "B"}, "one-day")
    assert (short.right, short.total) == (1, 6)  # question 6 is not asked in the one-day set


def test_the_printed_parts_hold_every_item():
    for lang in ("en", "fr"):
        pre = E.markdown("pre", lang)
        assert pre.count("\n- A. ") == 12 and "**12.**" in pre
        key = E.markdown("key", lang)
        assert len([line for line in key.splitlines() if line.startswith("| ")]) == 13
    assert "| 6 | 4 et 7 | C | B |" in E.markdown("key", "fr")
    with pytest.raises(ValueError):
        E.markdown("answers", "en")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_guide_prints_every_question_from_the_file(built_book, lang):
    page = (built_book / lang / "book" / "trainers" / "tests.html").read_text(encoding="utf-8")
    text = text_of(page)
    for part in ("pre", "post", "key"):
        for sentence in E.plain_texts(part, lang):
            assert normalise(sentence) in text, f"{lang}: {part} does not print “{sentence[:60]}”"
    assert page.count('class="prepost-test') == 3
    if lang == "fr":  # the French edition prints the French items, not the English ones
        assert normalise(E.plain_texts("pre", "en")[0]) not in text


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_exercise_page_is_in_the_book(built_book, lang):
    page = built_book / lang / "exercises" / "pre-post-test.html"
    assert page.is_file()
    title = {"en": "the pre-test and the post-test", "fr": "le test de départ et le test final"}[lang]
    assert title in text_of(page.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the widget

ANSWERS_PRE = {1: "C", 2: "A", 3: "C"}  # right, wrong, right


def test_the_pre_test_shows_the_score_and_no_answer_key():
    exercise = PrePostTest("en")
    assert exercise.submit() is None and "Choose the pre-test" in exercise.summary.value
    exercise.form_picker.value = "pre"
    assert sorted(exercise.radios) == list(range(1, 13))
    exercise.submit_button.click()
    assert "Answer at least one question" in exercise.summary.value
    for n, letter in ANSWERS_PRE.items():
        exercise.radios[n].value = letter
    exercise.submit_button.click()
    shown = html.unescape(exercise.summary.value)
    assert "Your score: 2 of 12 right." in shown and "9 questions left blank." in shown
    assert "post-test keeps its value" in shown
    assert all(fb.value == "" for fb in exercise.feedback.values())  # no key after the pre-test
    assert "Key idea" not in shown
    exercise.radios[2].value = "B"  # a changed answer: the score shown no longer applies
    assert "submit again" in exercise.summary.value


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_post_test_gives_feedback_on_each_question(lang):
    exercise = PrePostTest(lang)
    exercise.form_picker.value = "post"
    exercise.one_day.value = True
    assert sorted(exercise.radios) == [1, 2, 3, 4, 5, 10]
    exercise.radios[1].value = "B"  # right
    exercise.radios[2].value = "A"  # wrong: the answer is C
    exercise.submit_button.click()
    summary = html.unescape(exercise.summary.value)
    first = html.unescape(exercise.feedback[1].value)
    second = html.unescape(exercise.feedback[2].value)
    blank = html.unescape(exercise.feedback[10].value)
    answer_2 = pick(E.item("post", 2)["options"]["C"], lang)
    if lang == "en":
        assert "Your score: 1 of 6 right." in summary and "4 questions left blank." in summary
        assert "Right." in first and "Not right: the answer is C." in second
        assert "Left blank: the answer is A." in blank
    else:
        assert "Votre score\u00a0: 1 bonne réponse sur 6." in summary and "4 questions sans réponse." in summary
        assert "Juste." in first and "Pas juste\u00a0: la bonne réponse est C." in second
        assert "Sans réponse\u00a0: la bonne réponse est A." in blank
    assert answer_2 in second
    assert pick(E.question(2)["idea"], lang) in second
    assert "verdict-right" in first and "verdict-wrong" in second


def test_the_widget_keeps_each_tests_answers_when_switching():
    exercise = PrePostTest("fr")
    exercise.form_picker.value = "pre"
    exercise.radios[4].value = "B"
    exercise.form_picker.value = "post"
    assert exercise.radios[4].value is None
    exercise.form_picker.value = "pre"
    assert exercise.radios[4].value == "B"
    # the question's book title keeps its emphasis, as on the printed page
    assert "<i>Manuel sur la réintégration</i>" in exercise.questions_box.children[0].value


# ------------------------------------------------------------------ where the exercise is listed

def test_the_exercise_is_on_the_landing_page_in_the_book_and_in_the_browser_site(repo):
    from reintegra.lite.site import _exercise_notebooks, lite_notebook
    from reintegra.workshop import landing_entries

    for lang, title in (("en", "Pre-test and post-test"), ("fr", "Test de départ et test final")):
        entry = next(e for e in landing_entries(lang, repo) if e["name"] == "pre-post-test")
        assert entry["title"] == title and entry["minutes"] > 0
        nb = lite_notebook(repo / "exercises" / "pre-post-test.ipynb", lang)
        sources = ["".join(c["source"]) for c in nb["cells"]]
        assert sources[0].startswith(f"# {title}")
        assert any("PrePostTest(session_lang())" in s for s in sources)
    assert repo / "exercises" / "pre-post-test.ipynb" in _exercise_notebooks(repo)
    assert "exercises/pre-post-test" in (repo / "_toc.yml").read_text(encoding="utf-8")
