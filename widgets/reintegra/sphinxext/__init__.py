"""Sphinx extension of the course: two editions, lesson structure, knowledge checks.

What it adds to Jupyter Book:

* a language switcher in the header of every page, leading to the same page in
  the other edition (``../fr/<page>.html`` from ``en/<page>.html``), and
  ``<link rel="alternate" hreflang>`` tags;
* lesson directives in the style of the Carpentries: ``lesson-info`` (teaching
  and exercise minutes read from the page's front matter), ``questions``,
  ``objectives`` (with stable ids, so a test can check that each objective is
  assessed), ``keypoints`` and ``instructor-note``;
* ``quiz``: a knowledge check with feedback on every option that works in the
  static HTML without JavaScript and without a network (radio buttons and CSS);
* local copies of the widget renderer (no CDN) and the course's stylesheet.

Titles the extension writes (« Objectives », « Correct ») come from the package's
message catalogue in the language of the edition.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import new_document
from sphinx.util.i18n import docname_to_domain
from sphinx.util import logging

from ..i18n import messages

HERE = Path(__file__).parent
LOGGER = logging.getLogger(__name__)

M = messages(
    "book",
    {
        "questions": "Questions",
        "objectives": "Objectives",
        "keypoints": "Key points",
        "instructor_note": "Instructor note",
        "teaching": "Teaching",
        "exercises": "Exercises",
        "total": "Total",
        "minutes": "{n} min",
        "switch_label": "Language",
        "read_in_other": "Lire en français",
        "correct": "Correct.",
        "not_quite": "Not quite.",
        "quiz_title": "Check your understanding",
        "map_objective": "Objective",
        "map_assessed_by": "Assessed by",
        "map_question": "question {n}",
        "map_exercise": "exercise",
        "unassessed": "objective {oid} is not assessed by any knowledge check or exercise",
        "quiz_hint": "Choose an answer to see the feedback. You can change your answer.",
        "lite_run": "Do this exercise in your browser",
        "lite_notebook": "Open as a notebook",
        "lite_label": "Do this exercise",
        "lite_hint": ("It runs on your device, offline, with nothing to install. The first opening loads about 40 MB; "
            "the next ones come from your browser's cache. The notebook shows the code."),
    },
)

OTHER = {"en": "fr", "fr": "en"}


def edition_lang(app: Sphinx) -> str:
    return "fr" if (app.config.language or "en").startswith("fr") else "en"


# --------------------------------------------------------------------------- nodes


class quiz(nodes.General, nodes.Element):
    """A knowledge-check question; children are resolved into the nodes below."""


class quiz_question(nodes.General, nodes.Element):
    pass


class quiz_option(nodes.General, nodes.Element):
    pass


class quiz_label(nodes.General, nodes.TextElement):
    pass


class quiz_feedback(nodes.General, nodes.Element):
    pass


class objectives_map(nodes.General, nodes.Element):
    """Placeholder for the table of every objective and what assesses it."""


class workshop_agenda(nodes.General, nodes.Element):
    """Placeholder for an agenda computed from the modules' minutes."""


class module_handout(nodes.General, nodes.Element):
    """Placeholder for a module's objectives and key points."""


class instructor_notes_index(nodes.General, nodes.Element):
    """Placeholder for every instructor note of the course, gathered."""


class lesson_info(nodes.General, nodes.Element):
    """Placeholder filled from the page's front matter once it has been read."""


# ---------------------------------------------------------------------- directives


class _Box(Directive):
    """An admonition whose title is written by the extension in the edition's language."""

    has_content = True
    option_spec = {"class": directives.class_option}
    key = ""
    css = ""

    def run(self):
        app = self.state.document.settings.env.app
        node = nodes.admonition("\n".join(self.content), classes=["admonition", self.css])
        # The title comes from the package's catalogue, already in the edition's
        # language: keep it out of the gettext catalogues.
        node += nodes.title("", M(self.key, edition_lang(app)), translatable=False)
        self.state.nested_parse(self.content, self.content_offset, node)
        self.add_extra(node)
        return [node]

    def add_extra(self, node):
        pass


class QuestionsDirective(_Box):
    key, css = "questions", "lesson-questions"


class KeypointsDirective(_Box):
    key, css = "keypoints", "lesson-keypoints"


class InstructorNoteDirective(_Box):
    key, css = "instructor_note", "instructor-note"


class ObjectivesDirective(_Box):
    """``:ids: m1-o1 m1-o2`` names the objectives of the list, in order."""

    key, css = "objectives", "lesson-objectives"
    option_spec = {"ids": directives.unchanged_required}

    def add_extra(self, node):
        ids = (self.options.get("ids") or "").split()
        node["objective_ids"] = ids
        items = [item for lst in node.findall(nodes.bullet_list) for item in lst.children]
        items += [item for lst in node.findall(nodes.enumerated_list) for item in lst.children]
        if ids and len(ids) != len(items):
            LOGGER.warning(
                "objectives: %d ids for %d list items", len(ids), len(items),
                location=node, type="reintegra", subtype="objectives",
            )
        for oid, item in zip(ids, items):
            item["ids"].append(f"objective-{oid}")
            item["classes"].append("objective")


class LessonInfoDirective(Directive):
    has_content = False

    def run(self):
        return [lesson_info()]


class AssessesDirective(Directive):
    """Declares that the page (an exercise) assesses the given objectives: ``{assesses} m1-o2``."""

    has_content = False
    required_arguments = 1
    final_argument_whitespace = True

    def run(self):
        env = self.state.document.settings.env
        store = _store(env)
        for oid in self.arguments[0].split():
            store["exercises"].append({"docname": env.docname, "assesses": oid})
        return []


class AgendaDirective(Directive):
    """``{workshop-agenda} three_day``: the agenda of a workshop format, with computed times."""

    required_arguments = 1
    has_content = False

    def run(self):
        from .. import agenda

        name = self.arguments[0]
        if name not in agenda.FORMATS:
            return [self.state.document.reporter.warning(
                f"unknown workshop format {name!r}; known: {', '.join(agenda.FORMATS)}", line=self.lineno)]
        _gathers_from_other_pages(self.state.document.settings.env)
        return [workshop_agenda(format=name)]


class ModuleHandoutDirective(Directive):
    """``{module-handout} modules/m1-integrated-approach/index``: the module's
    title, objectives and key points, for a printed handout."""

    required_arguments = 1
    has_content = False

    def run(self):
        _gathers_from_other_pages(self.state.document.settings.env)
        return [module_handout(module=self.arguments[0].strip())]


class InstructorNotesIndexDirective(Directive):
    has_content = False

    def run(self):
        _gathers_from_other_pages(self.state.document.settings.env)
        return [instructor_notes_index()]


class ObjectivesMapDirective(Directive):
    has_content = False

    def run(self):
        _gathers_from_other_pages(self.state.document.settings.env)
        return [objectives_map()]


def _gathers_from_other_pages(env) -> None:
    """Mark the current page as one that shows content of other pages."""
    docs = _store(env).setdefault("map_docs", [])
    if env.docname not in docs:
        docs.append(env.docname)


def map_pages_to_rewrite(app, env) -> list[str]:
    """Pages that gather from the others (objectives map, agendas, notes,
    handouts) depend on every page: write them again at each build."""
    return list(_store(env).get("map_docs", []))


def _store(env) -> dict:
    if not hasattr(env, "reintegra_lessons"):
        env.reintegra_lessons = {"objectives": [], "quizzes": [], "exercises": []}
    return env.reintegra_lessons


class SafetyProtocolDirective(Directive):
    """```{safety-protocol} suicide-risk``` renders a protocol of ``reintegra.safety``.

    The text comes from the protocol's data file, in the edition's language, and
    is kept out of the gettext catalogues: there is one wording, in one file.
    ``:form: summary`` renders the one-paragraph form (for the trainer's guide)."""

    required_arguments = 1
    has_content = False
    option_spec = {"form": lambda value: directives.choice(value, ("full", "summary"))}

    def run(self):
        from docutils.statemachine import StringList

        from .. import safety

        app = self.state.document.settings.env.app
        lang = edition_lang(app)
        name = self.arguments[0]
        try:
            data = safety.load_protocol(name)
        except KeyError as exc:
            LOGGER.warning("safety-protocol: %s", exc, location=self.state.document.current_source,
                           type="reintegra", subtype="safety")
            return []
        form = self.options.get("form", "full")
        node = nodes.admonition("", classes=["admonition", "warning", "safety-protocol", f"safety-{name}"])
        node += nodes.title("", safety.pick(data["title"], lang), translatable=False)
        text = safety.markdown(name, lang, form)
        self.state.nested_parse(StringList(text.splitlines(), source=f"safety/{name}.json"),
                                self.content_offset, node)
        for element in node.findall(nodes.TextElement):
            element["translatable"] = False
        return [node]


class PrePostTestDirective(Directive):
    """```{prepost-test} pre``` (or ``post``, ``key``) prints the pre-test, the post-test or their answer key.

    The questions live in ``reintegra/evaluation/prepost.json``, in both languages;
    they are rendered in the edition's language and kept out of the gettext
    catalogues, so that the printed tests and the workshop's exercise ask the same items."""

    required_arguments = 1
    has_content = False

    def run(self):
        from docutils.statemachine import StringList

        from .. import evaluation

        part = self.arguments[0]
        if part not in ("pre", "post", "key"):
            LOGGER.warning("prepost-test: no part %r (pre, post or key)", part,
                           location=self.state.document.current_source, type="reintegra", subtype="prepost")
            return []
        lang = edition_lang(self.state.document.settings.env.app)
        node = nodes.container("", classes=["prepost-test", f"prepost-{part}"])
        self.state.nested_parse(StringList(evaluation.markdown(part, lang).splitlines(),
                                           source="evaluation/prepost.json"), self.content_offset, node)
        for element in node.findall(nodes.TextElement):
            element["translatable"] = False
        return [node]


class QuizDirective(Directive):
    """A multiple-choice question with feedback on every option.

    The content is the question, then an enumerated list: the first paragraph of
    each item is the option, what follows is the feedback. ``:correct:`` gives the
    number of the right option (1-based); ``:assesses:`` the objective ids.
    """

    has_content = True
    required_arguments = 0
    option_spec = {
        "id": directives.unchanged_required,
        "correct": directives.positive_int,
        "assesses": directives.unchanged,
    }

    def run(self):
        env = self.state.document.settings.env
        qid = self.options.get("id") or f"quiz-{env.new_serialno('quiz')}"
        node = quiz(
            "",
            quiz_id=qid,
            correct=self.options.get("correct", 0),
            assesses=(self.options.get("assesses") or "").split(),
        )
        node["ids"].append(qid)
        self.state.nested_parse(self.content, self.content_offset, node)
        lists = [child for child in node.children if isinstance(child, nodes.enumerated_list)]
        if len(lists) != 1:
            return [self.state.document.reporter.warning(
                f"quiz {qid}: the options must be one numbered list", line=self.lineno)]
        count = len(lists[0].children)
        if not 1 <= node["correct"] <= count:
            return [self.state.document.reporter.warning(
                f"quiz {qid}: :correct: must be between 1 and {count}", line=self.lineno)]
        for item in lists[0].children:
            if len(item.children) < 2:
                return [self.state.document.reporter.warning(
                    f"quiz {qid}: every option needs feedback after it", line=self.lineno)]
        return [node]


# ------------------------------------------------------------------ transformations


class SourceForNestedTables(SphinxTransform):
    """Give tables nested in directives (dropdowns) a source, so they get translated.

    Sphinx only extracts and translates text nodes that know their source
    file; the cells of a table parsed inside a sphinx-design dropdown do not.
    Runs before the Locale transform (20).
    """

    default_priority = 15

    def apply(self, **kwargs) -> None:
        for table in self.document.findall(nodes.table):
            for node in table.findall(nodes.TextElement):
                if node.source:
                    continue
                parent = node.parent
                while parent is not None and not parent.source:
                    parent = parent.parent
                if parent is not None:
                    node.source, node.line = parent.source, parent.line


class SortGlossary(SphinxTransform):
    """Keep the glossary in alphabetical order in each edition.

    Sphinx sorts a glossary when it parses the English; the French terms, put
    in by the translation afterwards, would then be out of order.
    """

    default_priority = 30  # after the Locale transform (20)

    def apply(self, **kwargs) -> None:
        for glossary in self.document.findall(addnodes.glossary):
            for dlist in glossary.findall(nodes.definition_list):
                items = list(dlist.children)
                items.sort(key=lambda item: _sort_key(item.next_node(nodes.term).astext()))
                dlist.children = []
                dlist.extend(items)


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class TranslateTocCaptions(SphinxTransform):
    """Translate the part captions of ``_toc.yml``.

    Sphinx translates toctree captions in its ``Locale`` transform, but Jupyter
    Book inserts the toctrees later (``InsertToctrees``, priority 100); this does
    the same lookup in the page's catalogue right after.
    """

    default_priority = 101

    def apply(self, **kwargs) -> None:
        if not self.config.language or self.config.language == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir) / d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return
        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("caption")
            if caption:
                translated = catalog.gettext(caption)
                if translated:
                    toctree["caption"] = translated


def fill_lesson_info(app: Sphinx, doctree: nodes.document) -> None:
    """Write the timings box from the front matter (``teaching``, ``exercises``)."""
    lang = edition_lang(app)
    meta = app.env.metadata.get(app.env.docname, {})
    for node in list(doctree.findall(lesson_info)):
        try:
            teaching = int(meta.get("teaching", 0))
            exercises = int(meta.get("exercises", 0))
        except (TypeError, ValueError):
            LOGGER.warning("lesson-info: teaching and exercises must be minutes", location=node)
            teaching = exercises = 0
        para = nodes.paragraph()
        parts = [
            (M("teaching", lang), teaching),
            (M("exercises", lang), exercises),
            (M("total", lang), teaching + exercises),
        ]
        for i, (label, minutes) in enumerate(parts):
            if i:
                para += nodes.Text(" · ")
            para += nodes.strong("", f"{label}\u00a0: " if lang == "fr" else f"{label}: ")
            para += nodes.Text(M("minutes", lang, n=minutes))
        box = nodes.container("", para, classes=["lesson-info"])
        node.replace_self(box)


def collect_lessons(app: Sphinx, doctree: nodes.document) -> None:
    """Remember every objective and every knowledge check, for the objectives map."""
    store = _store(app.env)
    docname = app.env.docname
    for item in doctree.findall(nodes.list_item):
        for node_id in item["ids"]:
            if node_id.startswith("objective-"):
                store["objectives"].append({
                    "docname": docname, "oid": node_id[len("objective-"):], "anchor": node_id,
                    "text": item.astext().strip(),
                })
    store.setdefault("notes", [])
    store["notes"] = [n for n in store["notes"] if n["docname"] != docname]
    store.setdefault("boxes", [])
    store["boxes"] = [n for n in store["boxes"] if n["docname"] != docname]
    for note in doctree.findall(nodes.admonition):
        if "instructor-note" in note["classes"]:
            store["notes"].append({"docname": docname, "node": note.deepcopy()})
        for kind in ("lesson-objectives", "lesson-keypoints", "lesson-questions"):
            if kind in note["classes"]:
                store["boxes"].append({"docname": docname, "kind": kind, "node": note.deepcopy()})
    # An exercise notebook declares what it assesses in its metadata ("assesses").
    declared = app.env.metadata.get(docname, {}).get("assesses")
    if isinstance(declared, str):
        declared = re.findall(r"[\w-]+", declared)
    for oid in declared or []:
        store["exercises"].append({"docname": docname, "assesses": str(oid)})
    for number, node in enumerate(doctree.findall(quiz), start=1):
        store["quizzes"].append({"docname": docname, "qid": node["quiz_id"], "number": number,
                                 "assesses": list(node["assesses"])})


def purge_lessons(app, env, docname):
    store = _store(env)
    for key in ("objectives", "quizzes", "exercises", "notes", "boxes"):
        store.setdefault(key, [])
        store[key] = [entry for entry in store[key] if entry["docname"] != docname]


def merge_lessons(app, env, docnames, other):
    store = _store(env)
    for key in ("objectives", "quizzes", "exercises", "notes", "boxes"):
        store.setdefault(key, [])
        store[key].extend(entry for entry in _store(other).get(key, []) if entry["docname"] in docnames)
    store.setdefault("map_docs", [])
    store["map_docs"] += [d for d in _store(other).get("map_docs", []) if d not in store["map_docs"]]


def check_objectives(app: Sphinx, env) -> None:
    """Every objective must be assessed by a knowledge check or an exercise."""
    store = _store(env)
    assessed = {oid for q in store["quizzes"] for oid in q["assesses"]}
    assessed |= {e["assesses"] for e in store["exercises"]}
    for objective in store["objectives"]:
        if objective["oid"] not in assessed:
            LOGGER.warning(M("unassessed", edition_lang(app), oid=objective["oid"]),
                           location=objective["docname"], type="reintegra", subtype="objectives")


def fill_objectives_map(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    lang = edition_lang(app)
    store = _store(app.env)
    for placeholder in list(doctree.findall(objectives_map)):
        table = nodes.table(classes=["objectives-map"])
        group = nodes.tgroup(cols=2)
        table += group
        group += nodes.colspec(colwidth=60)
        group += nodes.colspec(colwidth=40)
        head = nodes.thead()
        head += nodes.row("", *(nodes.entry("", nodes.paragraph("", M(k, lang)))
                                for k in ("map_objective", "map_assessed_by")))
        group += head
        body = nodes.tbody()
        group += body
        for objective in store["objectives"]:
            left = nodes.paragraph()
            left += nodes.strong("", objective["oid"] + " ")
            uri = app.builder.get_relative_uri(docname, objective["docname"]) + "#" + objective["anchor"]
            left += nodes.reference("", objective["text"], internal=True, refuri=uri)
            right = nodes.paragraph()
            links = []
            for q in store["quizzes"]:
                if objective["oid"] in q["assesses"]:
                    quri = app.builder.get_relative_uri(docname, q["docname"]) + "#" + q["qid"]
                    links.append(nodes.reference("", M("map_question", lang, n=q["number"]), internal=True, refuri=quri))
            for e in store["exercises"]:
                if e["assesses"] == objective["oid"]:
                    euri = app.builder.get_relative_uri(docname, e["docname"])
                    title = app.env.titles.get(e["docname"])
                    label = title.astext() if title else M("map_exercise", lang)
                    links.append(nodes.reference("", label, internal=True, refuri=euri))
            for i, link in enumerate(links):
                if i:
                    right += nodes.Text(", ")
                right += link
            body += nodes.row("", nodes.entry("", left), nodes.entry("", right))
        placeholder.replace_self(table)


def _module_minutes(env) -> dict[str, tuple[int, int]]:
    minutes = {}
    for docname, meta in env.metadata.items():
        try:
            minutes[docname] = (int(meta.get("teaching", 0) or 0), int(meta.get("exercises", 0) or 0))
        except (TypeError, ValueError):
            continue
    return minutes


def _title(env, docname: str) -> str:
    title = env.titles.get(docname)
    return title.astext() if title is not None else docname


def fill_agendas(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    from .. import agenda

    lang = edition_lang(app)
    minutes = _module_minutes(app.env)
    for placeholder in list(doctree.findall(workshop_agenda)):
        rows = agenda.build(placeholder["format"], minutes)
        days = sorted({row.day for row in rows})
        out = nodes.container(classes=["workshop-agenda"])
        for day in days:
            if len(days) > 1:
                out += nodes.paragraph("", "", nodes.strong("", agenda.M("day", lang, n=day)))
            table = nodes.table(classes=["agenda-table"])
            group = nodes.tgroup(cols=3)
            table += group
            for width in (18, 67, 15):
                group += nodes.colspec(colwidth=width)
            head = nodes.thead()
            head += nodes.row("", *(nodes.entry("", nodes.paragraph("", agenda.M(k, lang)))
                                    for k in ("time", "session", "minutes")))
            group += head
            body = nodes.tbody()
            group += body
            for row in (r for r in rows if r.day == day):
                item = row.item
                cell = nodes.paragraph()
                if item.module:
                    uri = app.builder.get_relative_uri(docname, item.module)
                    cell += nodes.reference("", _title(app.env, item.module), internal=True, refuri=uri)
                    if item.part != "all":
                        cell += nodes.Text(f" ({agenda.M(item.part + '_part', lang)})")
                else:
                    cell += nodes.Text(agenda.M(item.key, lang))
                body += nodes.row(
                    "",
                    nodes.entry("", nodes.paragraph("", f"{row.start}–{row.end}")),
                    nodes.entry("", cell),
                    nodes.entry("", nodes.paragraph("", str(row.minutes))),
                )
            out += table
            out += nodes.paragraph("", agenda.total_label(agenda.total_minutes(rows, day), lang),
                                   classes=["agenda-total"])
        placeholder.replace_self(out)


def fill_instructor_notes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    store = _store(app.env)
    for placeholder in list(doctree.findall(instructor_notes_index)):
        out = nodes.container(classes=["instructor-notes-index"])
        order = {doc: i for i, doc in enumerate(_toc_order(app))}
        notes = sorted(store.get("notes", []), key=lambda n: order.get(n["docname"], 10_000))
        current = None
        for note in notes:
            if note["docname"] != current:
                current = note["docname"]
                uri = app.builder.get_relative_uri(docname, current)
                heading = nodes.paragraph(classes=["notes-source"])
                heading += nodes.strong("", "", nodes.reference("", _title(app.env, current), internal=True, refuri=uri))
                out += heading
            copy = note["node"].deepcopy()
            # Resolve the references of the copy as if it were still on its page,
            # in a document of its own (resolving emits doctree-resolved again).
            holder = new_document("", doctree.settings)
            holder += copy
            app.env.resolve_references(holder, note["docname"], app.builder)
            holder.remove(copy)
            out += copy
        placeholder.replace_self(out)


def fill_handouts(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    store = _store(app.env)
    for placeholder in list(doctree.findall(module_handout)):
        module = placeholder["module"]
        out = nodes.container(classes=["module-handout"])
        uri = app.builder.get_relative_uri(docname, module)
        out += nodes.paragraph("", "", nodes.strong("", "", nodes.reference("", _title(app.env, module), internal=True, refuri=uri)))
        for kind in ("lesson-objectives", "lesson-keypoints"):
            for box in store.get("boxes", []):
                if box["docname"] == module and box["kind"] == kind:
                    out += _resolved_copy_simple(app, doctree, box["node"], module)
        placeholder.replace_self(out)


def _resolved_copy_simple(app: Sphinx, doctree: nodes.document, node: nodes.Node, docname: str) -> nodes.Node:
    """A copy of a box from another page, its references resolved as on that page.

    Links come out relative to the module's page: the pages that gather
    copies (handouts, the trainer's notes) sit at the same depth as the
    modules (two folders down), so the links stay right.
    """
    copy = node.deepcopy()
    holder = new_document("", doctree.settings)
    holder += copy
    app.env.resolve_references(holder, docname, app.builder)
    holder.remove(copy)
    return copy


def _toc_order(app: Sphinx) -> list[str]:
    """The documents in the order of the table of contents."""
    env = app.env
    ordered: list[str] = []

    def walk(doc: str) -> None:
        if doc in ordered:
            return
        ordered.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(app.config.root_doc)
    return ordered


def resolve_quizzes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Turn each quiz's parsed content into a form of radio buttons (HTML only)."""
    if app.builder.format != "html":
        return
    lang = edition_lang(app)
    for node in list(doctree.findall(quiz)):
        qid = node["quiz_id"]
        options = next(c for c in node.children if isinstance(c, nodes.enumerated_list))
        question = quiz_question()
        for child in node.children:
            if child is not options:
                question += child.deepcopy()
        new = quiz("", quiz_id=qid, correct=node["correct"], assesses=node["assesses"])
        new["ids"] = list(node["ids"])
        new += question
        for number, item in enumerate(options.children, start=1):
            right = number == node["correct"]
            first, *rest = item.children
            label = quiz_label()
            label.extend(c.deepcopy() for c in (first.children if isinstance(first, nodes.paragraph) else [first]))
            feedback = quiz_feedback(right=right)
            verdict = nodes.paragraph("", "", nodes.strong("", M("correct" if right else "not_quite", lang)))
            if rest and isinstance(rest[0], nodes.paragraph):
                verdict += nodes.Text(" ")
                verdict.extend(c.deepcopy() for c in rest[0].children)
                rest = rest[1:]
            feedback += verdict
            feedback.extend(c.deepcopy() for c in rest)
            option = quiz_option("", quiz_id=qid, number=number, right=right)
            option += label
            option += feedback
            new += option
        node.replace_self(new)


# ------------------------------------------------------------- in-browser exercise

LITE_SITE = "lite"  # _build/html/lite, built by reintegra.lite next to the editions


def lite_links(docname: str, lang: str) -> tuple[str, str]:
    """Relative links from an exercise page to its dashboard and its notebook in the lite site."""
    up = "../" * (docname.count("/") + 1)
    name = docname.rsplit("/", 1)[-1]
    return (f"{up}{LITE_SITE}/voici/render/{lang}/{name}.html",
            f"{up}{LITE_SITE}/notebooks/index.html?path={lang}/{name}.ipynb")


def add_lite_actions(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """On every exercise page: open the exercise in the reader's browser, as a dashboard or a notebook.

    Plain links: the page itself loads nothing of the runtime.
    """
    if app.builder.format != "html" or not docname.startswith("exercises/"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    lang = edition_lang(app)
    run, notebook = lite_links(docname, lang)
    from html import escape

    block = (
        f'<div class="lite-actions" role="group" aria-label="{escape(M("lite_label", lang))}">'
        f'<a class="lite-run" href="{escape(run)}">{escape(M("lite_run", lang))}</a> '
        f'<a class="lite-notebook" href="{escape(notebook)}">{escape(M("lite_notebook", lang))}</a>'
        f'<p class="lite-hint">{escape(M("lite_hint", lang))}</p></div>'
    )
    section.insert(1, nodes.raw("", block, format="html"))


# ------------------------------------------------------------------------- HTML


def visit_quiz(self, node):
    lang = "fr" if (self.config.language or "en").startswith("fr") else "en"
    self.body.append(
        f'<form class="quiz" id="{node["quiz_id"]}" data-assesses="{" ".join(node["assesses"])}" '
        f'onsubmit="return false"><fieldset>'
        f'<p class="quiz-title">{M("quiz_title", lang)}</p>'
    )


def depart_quiz(self, node):
    lang = "fr" if (self.config.language or "en").startswith("fr") else "en"
    self.body.append(f'<p class="quiz-hint">{M("quiz_hint", lang)}</p></fieldset></form>\n')


def visit_quiz_question(self, node):
    self.body.append(f'<div class="quiz-question" id="{node.parent["quiz_id"]}-q">')


def depart_quiz_question(self, node):
    self.body.append("</div>")


def visit_quiz_option(self, node):
    oid = f'{node["quiz_id"]}-{node["number"]}'
    self.body.append(
        f'<div class="quiz-option"><input type="radio" name="{node["quiz_id"]}" '
        f'id="{oid}" value="{node["number"]}" aria-describedby="{oid}-fb">'
    )


def depart_quiz_option(self, node):
    self.body.append("</div>")


def visit_quiz_label(self, node):
    self.body.append(f'<label for="{node.parent["quiz_id"]}-{node.parent["number"]}">')


def depart_quiz_label(self, node):
    self.body.append("</label>")


def visit_quiz_feedback(self, node):
    kind = "quiz-right" if node["right"] else "quiz-wrong"
    oid = f'{node.parent["quiz_id"]}-{node.parent["number"]}'
    self.body.append(f'<div class="quiz-feedback {kind}" id="{oid}-fb" role="status">')


def depart_quiz_feedback(self, node):
    self.body.append("</div>")


def _skip(self, node):
    raise nodes.SkipNode


def _pass(self, node):
    pass


# ------------------------------------------------------------------ page context


def add_language_switch(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    lang = edition_lang(app)
    other = OTHER[lang]
    up = "../" * (pagename.count("/") + 1)
    href = f"{up}{other}/{pagename}.html"
    context["reintegra_lang"] = lang
    context["reintegra_other_lang"] = other
    context["reintegra_other_href"] = href
    context["reintegra_other_label"] = M("read_in_other", lang)
    context["reintegra_switch_label"] = M("switch_label", lang)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{other}" href="{href}" />'
    )


def configure(app: Sphinx, config) -> None:
    config.templates_path = [str(HERE / "templates")] + list(config.templates_path or [])
    config.html_static_path = list(config.html_static_path or []) + [str(HERE / "static")]
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", ["article-header-buttons.html"])
    if isinstance(end, str):
        end = [end]
    if "lang-switch.html" not in end:
        options["article_header_end"] = ["lang-switch.html", *end]
    config.html_theme_options = options
    # Widgets render from the book's own files: no CDN, no RequireJS.
    config.nb_ipywidgets_js = {"vendor/html-manager/embed.js": {}}


def _setup_reach(app: Sphinx) -> None:
    """Case files from the data; the theme's pages fixed for screen readers and French."""
    from .casefiles import setup_case_files
    from .reach import setup_reach

    setup_case_files(app)
    setup_reach(app)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", configure)
    app.add_css_file("reintegra.css")
    app.add_directive("questions", QuestionsDirective)
    app.add_directive("objectives", ObjectivesDirective)
    app.add_directive("keypoints", KeypointsDirective)
    app.add_directive("instructor-note", InstructorNoteDirective)
    app.add_directive("lesson-info", LessonInfoDirective)
    app.add_directive("quiz", QuizDirective)
    app.add_directive("safety-protocol", SafetyProtocolDirective)
    app.add_directive("prepost-test", PrePostTestDirective)
    app.add_directive("assesses", AssessesDirective)
    app.add_directive("objectives-map", ObjectivesMapDirective)
    app.add_directive("workshop-agenda", AgendaDirective)
    app.add_directive("instructor-notes-index", InstructorNotesIndexDirective)
    app.add_directive("module-handout", ModuleHandoutDirective)
    app.add_node(module_handout, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.connect("doctree-resolved", fill_handouts)
    app.add_node(workshop_agenda, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.add_node(instructor_notes_index, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.connect("doctree-resolved", fill_agendas)
    app.connect("doctree-resolved", fill_instructor_notes)
    app.add_node(objectives_map, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.connect("doctree-read", collect_lessons, priority=950)
    app.connect("env-purge-doc", purge_lessons)
    app.connect("env-merge-info", merge_lessons)
    app.connect("env-check-consistency", check_objectives)
    app.connect("doctree-resolved", fill_objectives_map)
    app.connect("env-get-updated", map_pages_to_rewrite)
    app.add_transform(TranslateTocCaptions)
    app.add_transform(SortGlossary)
    app.add_transform(SourceForNestedTables)
    app.add_node(quiz, html=(visit_quiz, depart_quiz), latex=(_pass, _pass), text=(_pass, _pass))
    for node, visit, depart in (
        (quiz_question, visit_quiz_question, depart_quiz_question),
        (quiz_option, visit_quiz_option, depart_quiz_option),
        (quiz_label, visit_quiz_label, depart_quiz_label),
        (quiz_feedback, visit_quiz_feedback, depart_quiz_feedback),
    ):
        app.add_node(node, html=(visit, depart), latex=(_pass, _pass), text=(_pass, _pass))
    app.add_node(lesson_info, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.connect("doctree-read", fill_lesson_info, priority=900)
    app.connect("doctree-resolved", resolve_quizzes)
    app.connect("doctree-resolved", add_lite_actions)
    app.connect("html-page-context", add_language_switch)
    _setup_reach(app)
    return {"version": "0.1", "env_version": 4, "parallel_read_safe": True, "parallel_write_safe": True}
