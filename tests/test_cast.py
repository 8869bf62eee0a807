"""The cast: one place for every fictional person, and one person per name.

book/cast.yml lists each character (name, age, role, module, pages). A name
that plays two people, a page that names someone missing from the cast, an age
on a page that contradicts the cast, or a case study that disagrees with
datasets/case_studies.json fails here."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from reintegra.synth import reference

REPO = Path(__file__).resolve().parents[1]
CAST = yaml.safe_load((REPO / "book" / "cast.yml").read_text(encoding="utf-8"))
CHARACTERS = CAST["characters"]
NOT_PEOPLE = CAST.get("not_people", [])


def prose(path: Path) -> str:
    """What a reader reads on a page: Markdown, or a notebook's Markdown cells."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return text


def pages() -> list[Path]:
    found = [p for p in (REPO / "modules").rglob("*") if p.suffix in (".md", ".ipynb")]
    found += list((REPO / "book").rglob("*.md"))
    found += list((REPO / "exercises").glob("*.ipynb"))
    return sorted(p for p in found if ".ipynb_checkpoints" not in p.parts)


def first_names() -> set[str]:
    """Every first name the course could give a person: the generator's lists and the cast."""
    names = set(reference.MALE_FIRST_NAMES) | set(reference.FEMALE_FIRST_NAMES)
    return names | {c["name"].split()[0] for c in CHARACTERS}


def names_on(text: str) -> set[str]:
    for phrase in sorted(NOT_PEOPLE, key=len, reverse=True):
        text = text.replace(phrase, " ")
    for character in CHARACTERS:  # a two-word name ("Fatima Zahra") counts once, as itself
        if " " in character["name"]:
            text = re.sub(rf"\b{re.escape(character['name'])}\b", f" {character['name'].split()[0]} ", text)
    lexicon = first_names()
    return {word for word in re.findall(r"\b[A-Z][a-zà-ÿ]+\b", text) if word in lexicon}


def by_first_name() -> dict[str, dict]:
    return {c["name"].split()[0]: c for c in CHARACTERS}


def test_no_name_plays_two_people():
    counts = Counter(c["name"].split()[0].casefold() for c in CHARACTERS)
    twice = sorted(name for name, n in counts.items() if n > 1)
    assert twice == [], f"names that play two people in book/cast.yml: {twice}"


def test_every_character_has_age_role_and_module():
    for character in CHARACTERS:
        assert character.get("role"), character["name"]
        assert re.fullmatch(r"m[1-7](, m[1-7])*", str(character.get("module"))), character["name"]
        assert character.get("age") is None or 0 < int(character["age"]) < 100, character["name"]


def test_every_page_names_only_characters_of_the_cast():
    cast = by_first_name()
    problems = []
    for page in pages():
        relative = page.relative_to(REPO).as_posix()
        for name in sorted(names_on(prose(page))):
            if name not in cast:
                problems.append(f"{relative}: {name} is not in book/cast.yml")
            elif relative not in cast[name]["pages"]:
                problems.append(f"{relative}: names {name} ({cast[name]['role']}), but the cast does not list the page")
    assert problems == [], "\n".join(problems)


def test_each_listed_page_names_its_character():
    for character in CHARACTERS:
        for relative in character["pages"]:
            text = prose(REPO / relative)
            assert re.search(rf"\b{re.escape(character['name'])}\b", text), f"{relative} does not name {character['name']}"


def test_ages_on_the_pages_agree_with_the_cast():
    cast = by_first_name()
    problems = []
    for page in pages():
        for name, age in re.findall(r"\b([A-Z][a-zà-ÿ]+)(?:,| is) (\d{1,2})\b", prose(page)):
            character = cast.get(name)
            if character and character.get("age") is not None and int(age) != character["age"]:
                problems.append(f"{page.relative_to(REPO)}: {name} is {age}, the cast says {character['age']}")
    assert problems == [], "\n".join(problems)


def test_case_studies_appear_in_the_cast_as_the_data_has_them():
    data = json.loads((REPO / "datasets" / "case_studies.json").read_text(encoding="utf-8"))
    cast = {c.get("case_study"): c for c in CHARACTERS if c.get("case_study")}
    for case in data["cases"]:
        assert case["id"] in cast, f"case study {case['name']} is missing from book/cast.yml"
        character = cast[case["id"]]
        assert character["full_name"] == case["name"], case["id"]
        assert character["age"] == case["age"], case["id"]


def test_a_second_person_with_a_cast_name_is_caught(tmp_path):
    """The check above is not vacuous: a page that gives Khadija another age fails it."""
    cast = by_first_name()
    page = "Khadija is 41 years old. She runs a shop in Taroudant."
    found = re.findall(r"\b([A-Z][a-zà-ÿ]+)(?:,| is) (\d{1,2})\b", page)
    assert any(cast[n]["age"] != int(a) for n, a in found)
    assert "Khadija" in names_on(page) and "Hassan" not in names_on("la Fondation Hassan II")
