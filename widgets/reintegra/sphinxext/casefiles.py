"""``{case-files}``: the six case files of the assessment exercise, as pages of the book.

The directive reads ``datasets/case_studies.json`` (through
:mod:`reintegra.case_studies`, the same reader as the exercise) when the book is
built, and writes each case in the edition's language: the file's facts, the
profile and the case manager's interview notes. The pages never drift from the
exercise's data, and a learner without Python can read the cases.

The text comes from the data, already in the edition's language: it is kept out
of the book's gettext catalogues (raw HTML and titles marked untranslatable).
Each case is a section with the anchor ``case-<id>``, so the exercise can link
to one case (``case-files.html#case-karim``).
"""
from __future__ import annotations

import html

from docutils import nodes
from docutils.parsers.rst import Directive, directives

from ..i18n import messages

M = messages(
    "case_files",
    {
        "facts": "Case file",
        "profile": "Profile",
        "notes": "Interview notes",
        "no_notes": "No interview notes yet.",
        "note_count": "{n} notes",
        "fictional": "Fictional person: every name, place of origin and story here is invented for the exercise.",
    },
)


def _lang(env) -> str:
    return "fr" if (env.config.language or "en").startswith("fr") else "en"


def case_file_html(case, lang: str) -> str:
    """One case's facts, profile and notes as HTML (escaped), in ``lang``."""
    esc = html.escape
    rows = "".join(
        f'<tr><th scope="row">{esc(label)}</th><td>{esc(value)}</td></tr>' for label, value in case.facts(lang)
    )
    parts = [
        f'<p class="case-summary">{esc(case.summary.get(lang, ""))}</p>',
        f'<p class="case-fictional">{esc(M("fictional", lang))}</p>',
        f'<table class="case-facts"><caption>{esc(M("facts", lang))}</caption><tbody>{rows}</tbody></table>',
        f'<p class="case-sub">{esc(M("profile", lang))}</p>',
        f'<p class="case-profile">{esc(case.profile.get(lang, ""))}</p>',
        f'<p class="case-sub">{esc(M("notes", lang))}</p>',
    ]
    if case.notes:
        items = "".join(
            f'<li class="case-note"><span class="case-note-date">{esc(note.date)}</span> '
            f'{esc(note.text.get(lang, ""))}</li>'
            for note in case.notes
        )
        parts.append(f'<ol class="case-notes">{items}</ol>')
    else:
        parts.append(f'<p>{esc(M("no_notes", lang))}</p>')
    return "\n".join(parts)


class CaseFilesDirective(Directive):
    """``{case-files}`` (every case) or ``{case-files} karim amina`` (these ones)."""

    has_content = False
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"class": directives.class_option}

    def run(self):
        from ..case_studies import load_case_studies

        env = self.state.document.settings.env
        lang = _lang(env)
        wanted = (self.arguments[0].split() if self.arguments else None)
        cases = load_case_studies()
        known = {case.id for case in cases}
        unknown = [cid for cid in (wanted or []) if cid not in known]
        if unknown:
            return [self.state.document.reporter.warning(
                f"case-files: unknown case {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                line=self.lineno)]
        out = []
        for case in cases:
            if wanted and case.id not in wanted:
                continue
            section = nodes.section(ids=[f"case-{case.id}"], names=[f"case-{case.id}"], classes=["case-file"])
            section += nodes.title("", case.name, translatable=False)
            section += nodes.raw("", case_file_html(case, lang), format="html")
            out.append(section)
        env.note_dependency(str(_data_file()))
        return out


def _data_file():
    from ..case_studies import CASES_FILE
    from ..paths import datasets_dir

    return datasets_dir() / CASES_FILE


def setup_case_files(app) -> None:
    app.add_directive("case-files", CaseFilesDirective)
