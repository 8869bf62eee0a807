"""Where lives are at stake, one protocol: written once, rendered everywhere.

The suicide-risk protocol lives in widgets/reintegra/safety/suicide-risk.json.
Every page that speaks of it renders that file (the ``safety-protocol``
directive) in the edition's language, and the assessment widget's screening
flag shows its summary. No page carries another wording."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from reintegra import safety
from reintegra.instrument import load_instrument
from reintegra.ui.assessment import CaseAssessment

# Page (without extension) -> the form of the protocol it renders.
PLACES = {
    "modules/m2-case-management/index": "full",
    "modules/m3-assessment/index": "full",
    "modules/m7-protection-accountability/index": "full",
    "modules/m9-specific-protection-needs/index": "full",
    "book/trainers/sessions": "summary",
}
# Wordings that the protocol replaced: none may come back anywhere.
FORBIDDEN = (
    "immediate referral to specialised",
    "orientation immédiate vers une prise en charge spécialisée",
    "automutilation",
    "risk of self-harm",
)


def text_of(page_html: str) -> str:
    body = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page_html)
    body = re.sub(r"<[^>]+>", " ", body)
    return normalise(html.unescape(body))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_protocol_has_every_part_in_both_languages():
    data = safety.load_protocol("suicide-risk")
    for lang in ("en", "fr"):
        full = safety.markdown("suicide-risk", lang)
        for part in ("15", "19", "177"):  # the emergency numbers the sources confirm
            assert f"**{part}**" in full
        assert "{cite}`who2011pfa" in full
        assert len(data["steps"]) >= 7
        for step in data["steps"]:
            assert step["title"][lang] and step["text"][lang]
    fr = " ".join(safety.plain_texts("suicide-risk", "fr"))
    assert "suicid" in fr and "automutilation" not in fr
    assert "supervis" in safety.summary("suicide-risk", "en") and "protection focal point" in safety.summary("suicide-risk", "en")


def test_the_screening_flag_takes_its_action_from_the_protocol():
    instrument = load_instrument()
    flagged = [q for q in instrument.screening if q.flag.code == "self_harm_risk"]
    assert len(flagged) == 1
    assert dict(flagged[0].flag.action) == safety.summary_texts("suicide-risk")
    assert flagged[0].flag.label["fr"] == "Risque suicidaire"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_assessment_widget_shows_the_protocol_when_the_flag_is_raised(tmp_path, lang):
    widget = CaseAssessment(lang)
    widget.case_picker.value = "khadija"
    widget.choices["scr_selfharm"].value = "yes"
    shown = normalise(html.unescape(widget.scores.value))
    assert normalise(safety.summary("suicide-risk", lang)) in shown
    # the learner who misses the flag is shown the same protocol
    widget.choices["scr_selfharm"].value = "no"
    widget.check_button.click()
    summary = normalise(html.unescape(widget.summary.value))
    assert normalise(safety.summary("suicide-risk", lang)) in summary


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_place_renders_the_one_protocol(built_book, lang):
    for page, form in PLACES.items():
        text = text_of((built_book / lang / f"{page}.html").read_text(encoding="utf-8"))
        for sentence in safety.plain_texts("suicide-risk", lang, form):
            assert normalise(sentence) in text, f"{lang}/{page}.html does not render the protocol: {sentence[:60]}…"
        title = safety.pick(safety.load_protocol("suicide-risk")["title"], lang)
        assert normalise(title) in text


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_page_carries_another_wording(built_book, lang):
    found = []
    for page in sorted((built_book / lang).rglob("*.html")):
        text = text_of(page.read_text(encoding="utf-8")).lower()
        for wording in FORBIDDEN:
            if wording in text:
                found.append(f"{page.relative_to(built_book)}: “{wording}”")
    assert found == [], "\n".join(found)


def test_the_rendered_text_follows_the_file(tmp_path):
    """A change in the file is a change on the page: the directive reads it at build time."""
    original = safety.load_protocol("suicide-risk")
    assert safety.markdown("suicide-risk", "fr").startswith(original["when"]["fr"])
    assert safety.markdown("suicide-risk", "en", "summary").startswith(original["summary"]["en"])
    with pytest.raises(KeyError):
        safety.load_protocol("no-such-protocol")
