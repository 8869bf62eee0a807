"""The trainer's guide stays true to the modules: session plans add up to the
modules' minutes, and every module has a handout."""
import re

from reintegra.lessons import read_course

SECTION = re.compile(r"^### (?P<title>.+?)\n(?P<body>.*?)(?=^##)", re.M | re.S)
ROW = re.compile(r"^\|\s*\**(?P<minutes>\d+)\**\s*\|\s*(?P<step>[^|]*)\|", re.M)


def sessions(repo):
    text = (repo / "book" / "trainers" / "sessions.md").read_text(encoding="utf-8") + "\n## end\n"
    for match in SECTION.finditer(text):
        rows = [(int(m.group("minutes")), m.group("step").strip()) for m in ROW.finditer(match.group("body"))]
        if rows:
            yield match.group("title"), rows


def test_every_session_plan_adds_up_to_its_total(repo):
    found = list(sessions(repo))
    assert len(found) >= 10
    for title, rows in found:
        steps = [m for m, step in rows if "Total" not in step]
        totals = [m for m, step in rows if "Total" in step]
        assert totals, f"{title}: no total row"
        assert sum(steps) == totals[0], f"{title}: steps add up to {sum(steps)}, total says {totals[0]}"


def test_module_sessions_last_as_long_as_the_modules(repo):
    minutes = {}
    for lesson in read_course(repo):
        number = re.search(r"/m(\d)-", lesson.path.as_posix())
        if number and lesson.teaching:
            minutes[int(number.group(1))] = lesson.teaching + lesson.exercises
    assert len(minutes) == 9
    seen = set()
    for title, rows in sessions(repo):
        module = re.match(r"Module (\d)\.", title)
        if module:
            total = next(m for m, step in rows if "Total" in step)
            assert total == minutes[int(module.group(1))], title
            seen.add(int(module.group(1)))
    assert seen == set(minutes)


def test_every_module_has_a_handout(repo):
    modules = sorted(p.parent.name for p in (repo / "modules").glob("m*/index.*"))
    handouts = (repo / "book" / "handouts")
    for module in modules:
        number = module.split("-")[0]
        page = handouts / f"{number}.md"
        assert page.is_file(), f"no handout for {module}"
        assert f"modules/{module}/index" in page.read_text(encoding="utf-8")
