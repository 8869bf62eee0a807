"""Exercise: build a referral plan for a returnee on a map of Morocco.

The learner receives a case and its priority needs; searches the service
directory (category, region, distance, language, free of charge); chooses a
service for each need; records the returnee's consent and the data to share;
checks the plan and gets feedback on every point; exports the referral forms
(printable HTML and CSV). A trainer can load their own service directory
(.xlsx or .csv) through the course's loader; a bad file gets the loader's
located messages, and the exercise keeps its directory and the learner's work.

A thin view: every rule lives in :mod:`reintegra.referral`, the map in
:mod:`reintegra.maps`.
"""
from __future__ import annotations

import datetime as dt
import numbers
import traceback

import ipywidgets as w
import pandas as pd

from .. import maps
from .. import referral as logic
from ..children import is_child
from ..i18n import current_lang, fmt_date, fmt_number, messages, plural
from ..schema import country_from, label, labels, looks_real_email, looks_real_phone, plural_key
from .common import download_link, esc, progress_bar, show_progress, trainer_tools_shown

M = messages(
    "referral_ui",
    {
        "title": "Referral plan: find the right services on the map",
        "intro": ("Choose a returnee, then find a service for each priority need: filter the directory, read each service's "
            "criteria, and choose. Record the returnee's consent and tick only the data the referrals need. Then check "
            "your plan and export the referral forms. All people and services are fictional."),
        "step_case": "1. The returnee",
        "step_search": "2. Find a service for each need",
        "step_consent": "3. Consent and data to share",
        "step_check": "4. Check and export",
        "step_upload": "Trainers: use your own service directory",
        "case": "Case",
        "case_option": plural("{name}, {age}, {town} ({n} need)", "{name}, {age}, {town} ({n} needs)"),
        "card_profile_female": "{name} {last}, {sex}, {age}. Returned {country_from} on {date}; lives in {town} ({region}).",
        "card_profile_male": "{name} {last}, {sex}, {age}. Returned {country_from} on {date}; lives in {town} ({region}).",
        "card_languages": "Languages",
        "card_documents": "Documents",
        "card_vulnerabilities": "Vulnerabilities",
        "card_debt": "Debt",
        "card_child": "Child",
        "assent": "The child's own assent is recorded",
        "card_girl": "girl",
        "card_boy": "boy",
        "card_woman": "woman",
        "card_man": "man",
        "card_child_notice": ("{name} is a child. Child protection is involved at once if {name} returned without a parent "
                              "or legal representative or has a protection concern, with the protection focal point and the "
                              "child-protection services; the legal representative consents and {name} assents; no contact "
                              "details of the child are kept."),
        "card_needs": "Priority needs",
        "card_none": "none",
        "card_none_f": "none",
        "card_chosen": "chosen: {service} ({km})",
        "card_not_chosen": "no service chosen yet",
        "need": "Need",
        "region": "Region",
        "any_region": "Any region",
        "distance": "Distance",
        "any_distance": "Any distance",
        "within": "Within {km} km",
        "language": "Language",
        "any_language": "Any language",
        "free_only": "Free of charge only",
        "hint": "Hint: show eligibility and ranking",
        "view": "Map",
        "view_fit": "Around the services",
        "view_region": "Returnee's region",
        "view_country": "Whole country",
        "results": "Services",
        "results_count": plural("{n} service of this category matches your filters.", "{n} services of this category match your filters."),
        "results_none": "No service matches these filters: widen the distance, the region or the language.",
        "choose": "Choose for this need",
        "unchoose": "Remove the choice",
        "chosen_now": "{service} is now the choice for {need}.",
        "removed": "Choice removed for {need}.",
        "select_first": "Select a service in the list first.",
        "d_category": "Category",
        "d_type": "Provider",
        "d_where": "Where",
        "d_distance": "Distance from {town}",
        "d_open": "Open to",
        "d_ages": "Ages",
        "d_ages_value": "{low} to {high}",
        "d_ages_open": "{low} and over",
        "d_languages": "Staff speak",
        "d_documents": "Documents required",
        "d_focus": "Reserved for",
        "d_nobody": "no restriction",
        "d_capacity": "Capacity this month",
        "d_wait": "Usual wait",
        "d_cost": "Cost",
        "d_access": "Accessibility",
        "d_contact": "Contact",
        "d_rules": "Eligibility, rule by rule",
        "d_rank": plural("Rank {rank} of {n} eligible service. {why}", "Rank {rank} of {n} eligible services. {why}"),
        "d_excluded": "Not eligible.",
        "consent": "Consent to share data for these referrals",
        "consent_yes": "Yes",
        "consent_no": "No",
        "consent_date": "Date",
        "share": "Data to share with the services (each service receives only what its referral needs)",
        "sensitive": "sensitive",
        "check": "Check the plan",
        "export": "Export the referral forms",
        "exported": "Your referral forms are ready. Download them to this device:",
        "download_html": "printable form (HTML)",
        "download_csv": "table (CSV)",
        "export_warning": "The plan still has points to fix (see “Check the plan”); the forms are drafts.",
        "upload": "Load a directory (.xlsx or .csv)",
        "upload_help": ("Your file needs at least the columns provider name, category and town (French or English headers). "
            "The file is read, never changed. Files up to {limit} MB (a larger file cannot travel to the exercise)."),
        "restore": "Use the course directory again",
        "directory_course": "Directory in use: the course's synthetic directory ({services}).",
        "directory_file": "Directory in use: {name} ({services}).",
        "upload_ok": "{name} loaded: {services}. The exercise now runs on it; choices made on the previous directory were cleared.",
        "upload_bad": "{name} was not loaded. Your current directory and your choices are kept. Fix these points in your spreadsheet and load the file again:",
        "upload_warnings": "Notes on the file:",
        "error": "Something went wrong. Your work is kept; try again, or tell the trainer.",
        "map_alt": "Map",
        "no_cases": "No case with two to four priority needs in this caseload.",
        "case_option_one": "{name}, {age}, {town} ({n} need)",
        "case_option_other": "{name}, {age}, {town} ({n} needs)",
        "export_personal": ("These forms carry contact details that look real ({which}). The course takes synthetic data only: "
                            "replace them with fictional ones (+212 5 00 0x xx xx, …@example.org) before sharing the forms."),
        "loading": "Loading {name}…",
        "services_one": "{n} service",
        "services_other": "{n} services",
    },
)

DISTANCES = (10, 25, 50, 100, 200, 500)
ANY = ""  # the "any region / any language" choice (a Dropdown shows None as an empty box)
FIT_NEAREST = 12  # the map "around the services" frames the returnee and the nearest services shown
STATUS_STYLE = {
    "right": ("#007a55", "✔"), "wrong": ("#c24100", "✘"), "missing": ("#5c5c5c", "?"), "warning": ("#8a5a00", "⚠"),
}


def badge(status: str, text: str, strong: bool = False) -> str:
    """A verdict with its symbol and colour (colour is never the only cue)."""
    colour, symbol = STATUS_STYLE.get(status, ("#333", ""))
    weight = "font-weight:600;" if strong else ""
    return (f'<span class="verdict verdict-{status}" style="color:{colour};{weight}">'
            f'<b>{symbol}</b> {esc(text)}</span>')


def html_table(frame: pd.DataFrame, css_class: str) -> str:
    """A small, readable HTML table (escaped), numbers right-aligned."""
    head = "".join(f'<th scope="col" style="text-align:left;padding:.3em .7em;border-bottom:2px solid #999;'
                   f'vertical-align:bottom">{esc(c)}</th>' for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            align = "right" if isinstance(value, numbers.Number) and not isinstance(value, bool) else "left"
            cells.append(f'<td style="padding:.2em .7em;border-bottom:1px solid #ddd;text-align:{align}">{esc(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="{css_class}" style="border-collapse:collapse;margin:.5em 0">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


_PRELOADED: dict = {}


def services_text(n: int, lang: str) -> str:
    """« 1 service », "12 services"."""
    return M(plural_key("services", n, lang), lang, n=n)


def uploaded_file(files) -> tuple[bytes, str] | None:
    """The content and name of the first file of a FileUpload value (ipywidgets 7 or 8)."""
    if not files:
        return None
    item = files[0] if isinstance(files, (list, tuple)) else next(iter(files.values()))
    return bytes(item.get("content", b"")), item.get("name", "")


def load_services_file(data: bytes, name: str, lang: str, bar: w.FloatProgress | None = None):
    """Load a trainer's service directory: the loader's result, and "" if it is usable,
    else the loader's located messages as HTML. ``bar`` shows the progress while it loads."""
    from ..loader import load_file

    report = show_progress(bar, M("loading", lang, name=name)) if bar is not None else None
    try:
        result = load_file(data, "services", filename=name, progress=report)
    finally:
        if bar is not None:
            bar.layout.display = "none"
    if result.ok and result.data is not None and len(result.data):
        return result, ""
    items = "".join(f"<li>{esc(p.message(lang))}</li>" for p in result.problems)
    report = (f"<div class='upload-report'><p>{badge('wrong', M('upload_bad', lang, name=name))}</p>"
              f"<ul>{items}</ul></div>")
    return result, report


def preload() -> dict:
    """Load the data and warm up the map once (for Voila's preheated kernels); later exercises reuse them."""
    if not _PRELOADED:
        from .. import loader

        cases, assessments = loader.load_cases(), loader.load_assessments()
        regions, services = loader.load_regions(), loader.load_services()
        _PRELOADED.update(cases=cases, assessments=assessments, regions=regions, services=services,
                          directory=logic.Directory(services),
                          case_ids=logic.exercise_cases(cases, assessments))
        maps.to_png(maps.referral_map(regions, services.iloc[:5], lang="en"), dpi=20)
    return _PRELOADED


RECORDED = "referral-mapping"  # the exercise's name in the room's store


class ReferralExercise:
    """The referral-mapping exercise. Controls are attributes, so tests can drive it."""

    def __init__(self, lang: str | None = None, cases: pd.DataFrame | None = None,
                 services: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None,
                 regions: pd.DataFrame | None = None, case_ids: list[str] | None = None,
                 show_map: bool = True):
        self.lang = lang = current_lang(lang)
        course = all(x is None for x in (cases, services, assessments, regions))
        data = preload() if course else {}
        from .. import loader

        self.cases = cases if cases is not None else data.get("cases", loader.load_cases())
        self.assessments = assessments if assessments is not None else data.get("assessments", loader.load_assessments())
        self.regions = regions if regions is not None else data.get("regions", loader.load_regions())
        self.course_directory = (data["directory"] if course
                                 else logic.Directory(services if services is not None else loader.load_services()))
        self.directory = self.course_directory
        self.answers = logic.baseline_answers(self.assessments)
        self.case_ids = case_ids or (data["case_ids"] if course else logic.exercise_cases(self.cases, self.assessments))
        self.show_map = show_map
        self.by_id = self.cases.set_index("case_id", drop=False)
        self.plans: dict[str, logic.Plan] = {}
        self.last_check: logic.PlanCheck | None = None
        self._busy = False
        self._filling = False

        # --- 1. the case
        self.case_picker = w.Dropdown(options=self._case_options(), description=M("case", lang),
                                      layout=w.Layout(width="36em"), style={"description_width": "5em"})
        self.case_card = w.HTML()
        # --- 2. search
        self.need_picker = w.Dropdown(description=M("need", lang), layout=w.Layout(width="30em"),
                                      style={"description_width": "6em"})
        region_options = [(M("any_region", lang), ANY)] + [
            (str(r[f"name_{lang}"] if f"name_{lang}" in self.regions else r["region_id"]), r["region_id"])
            for r in self.regions.to_dict("records")]
        self.region_filter = w.Dropdown(options=region_options, value=ANY, description=M("region", lang),
                                        layout=w.Layout(width="30em"), style={"description_width": "6em"})
        self.distance_filter = w.Dropdown(
            options=[(M("any_distance", lang), 0)] + [(M("within", lang, km=d), d) for d in DISTANCES],
            value=0, description=M("distance", lang), layout=w.Layout(width="30em"),
            style={"description_width": "6em"})
        self.language_filter = w.Dropdown(
            options=[(M("any_language", lang), ANY)] + [(text, code) for code, text in labels("language", lang).items()],
            value=ANY, description=M("language", lang), layout=w.Layout(width="30em"),
            style={"description_width": "6em"})
        self.free_filter = w.Checkbox(value=False, description=M("free_only", lang), indent=False,
                                      layout=w.Layout(width="auto", margin="0 2em 0 0"))
        self.hint_toggle = w.Checkbox(value=False, description=M("hint", lang), indent=False,
                                      layout=w.Layout(width="auto"))
        self.map_view = w.ToggleButtons(
            options=[(M("view_fit", lang), "fit"), (M("view_region", lang), "region"), (M("view_country", lang), "country")],
            value="fit", description=M("view", lang), style={"button_width": "12.5em", "description_width": "3em"})
        self.results_info = w.HTML()
        self.results = w.Select(options=[], rows=9, description=M("results", lang), layout=w.Layout(width="100%"))
        self.results.add_class("ri-results")  # the list's name, for screen readers (label hidden by CSS)
        self.details = w.HTML()
        self.choose_button = w.Button(description=M("choose", lang), button_style="primary", icon="check",
                                      layout=w.Layout(width="auto"))
        self.unchoose_button = w.Button(description=M("unchoose", lang), icon="times", layout=w.Layout(width="auto"))
        self.choice_status = w.HTML()
        self.map_image = w.Image(format="png", layout=w.Layout(width="100%", max_width="760px"))
        self.map_caption = w.HTML()
        # --- 3. consent and data
        self.consent = w.ToggleButtons(options=[(M("consent_yes", lang), True), (M("consent_no", lang), False)],
                                       value=None, style={"button_width": "6em"})
        self.consent_date = w.DatePicker(description=M("consent_date", lang), value=None,
                                         style={"description_width": "4em"})
        # a child's own assent, besides the legal representative's consent (reintegra.children, rule 6)
        self.assent = w.Checkbox(value=False, description=M("assent", lang), indent=False,
                                 layout=w.Layout(width="auto", display="none"))
        self.share: dict[str, w.Checkbox] = {}
        for name in logic.SHAREABLE_FIELDS:
            text = logic.field_label(name, lang)
            if name in logic.SENSITIVE_FIELDS:
                text += f" ({M('sensitive', lang)})"
            self.share[name] = w.Checkbox(value=False, description=text, indent=False,
                                          layout=w.Layout(width="auto"))
        # --- 4. check and export
        self.check_button = w.Button(description=M("check", lang), button_style="success", icon="check-square",
                                     layout=w.Layout(width="auto"))
        self.export_button = w.Button(description=M("export", lang), icon="download", layout=w.Layout(width="auto"))
        self.feedback = w.HTML()
        self.export_links = w.HTML()
        # --- trainers: own directory
        self.upload = w.FileUpload(accept=".csv,.xlsx", multiple=False, description=M("upload", lang),
                                   layout=w.Layout(width="auto"))
        self.restore_button = w.Button(description=M("restore", lang), icon="undo", layout=w.Layout(width="auto"))
        self.directory_status = w.HTML()
        self.upload_report = w.HTML()
        self.upload_progress = progress_bar()

        # events
        self.case_picker.observe(self._safe(self._on_case), names="value")
        self.need_picker.observe(self._safe(self._on_search), names="value")
        for control in (self.region_filter, self.distance_filter, self.language_filter, self.free_filter,
                        self.hint_toggle):
            control.observe(self._safe(self._on_search), names="value")
        self.map_view.observe(self._safe(lambda _: self._draw_map()), names="value")
        self.results.observe(self._safe(lambda _: None if self._filling else self._show_details()), names="value")
        self.choose_button.on_click(self._safe(lambda _: self.choose()))
        self.unchoose_button.on_click(self._safe(lambda _: self.unchoose()))
        self.consent.observe(self._safe(self._on_consent), names="value")
        self.consent_date.observe(self._safe(self._on_consent), names="value")
        self.assent.observe(self._safe(self._on_assent), names="value")
        for box in self.share.values():
            box.observe(self._safe(self._on_share), names="value")
        self.check_button.on_click(self._safe(lambda _: self.check()))
        self.export_button.on_click(self._safe(lambda _: self.export()))
        self.upload.observe(self._safe(self._on_upload), names="value")
        self.restore_button.on_click(self._safe(lambda _: self.restore_directory()))

        self.widget = self._layout()
        # In a workshop, each choice also goes to the room's store (codes only) for the trainer's view.
        from ..workshop.recorder import Recorder

        self.recorder = Recorder(self.lang)
        if self.recorder.bar is not None:
            self.widget.children = (self.recorder.bar, *self.widget.children)
        self._update_directory_status()
        if self.case_ids:
            self._on_case({"new": self.case_picker.value})
        else:
            self.case_card.value = f"<p>{esc(M('no_cases', lang))}</p>"

    # ------------------------------------------------------------------ layout

    def _layout(self) -> w.VBox:
        lang = self.lang
        h = lambda key: w.HTML(f"<h3 style='margin:.8em 0 .3em'>{esc(M(key, lang))}</h3>")  # noqa: E731
        filters = w.VBox([self.need_picker, self.region_filter, self.distance_filter, self.language_filter,
                          w.HBox([self.free_filter, self.hint_toggle])])
        left = w.VBox([filters, self.results_info, self.results,
                       w.HBox([self.choose_button, self.unchoose_button]), self.choice_status, self.details],
                      layout=w.Layout(width="48%", min_width="24em"))
        right = w.VBox([self.map_view, self.map_image, self.map_caption],
                       layout=w.Layout(width="52%", min_width="24em"))
        share_grid = w.GridBox(list(self.share.values()),
                               layout=w.Layout(grid_template_columns="repeat(auto-fill, minmax(25em, 1fr))",
                                               grid_gap="0 1em"))
        from ..loader import MAX_UPLOAD_MB

        upload_box = w.VBox([w.HTML(f"<p>{esc(M('upload_help', lang, limit=MAX_UPLOAD_MB))}</p>"),
                             w.HBox([self.upload, self.restore_button]), self.upload_progress,
                             self.directory_status, self.upload_report])
        trainers = w.Accordion(children=[upload_box], titles=(M("step_upload", lang),))
        trainers.selected_index = None
        # a workshop participant never sees the trainer's upload
        trainer_part = [trainers] if trainer_tools_shown() else []
        return w.VBox([
            w.HTML(f"<h2>{esc(M('title', lang))}</h2><p>{esc(M('intro', lang))}</p>"),
            h("step_case"), self.case_picker, self.case_card,
            h("step_search"), w.HBox([left, right], layout=w.Layout(flex_flow="row wrap", gap="1em")),
            h("step_consent"), w.HTML(f"<b>{esc(M('consent', lang))}</b>"), w.HBox([self.consent, self.consent_date]), self.assent,
            w.HTML(f"<b>{esc(M('share', lang))}</b>"), share_grid,
            h("step_check"), w.HBox([self.check_button, self.export_button]), self.feedback, self.export_links,
            *trainer_part,
        ], layout=w.Layout(max_width="1200px"))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------ helpers

    def _safe(self, function):
        """Run a callback; a learner never sees a traceback, only a message in their language."""
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:  # noqa: BLE001 — no exception text for the reader (it would be English)
                self.feedback.value = f"<p>{badge('wrong', M('error', self.lang))}</p>"
                self.last_error = traceback.format_exc()
                return None
        return run

    def _case_options(self) -> list[tuple[str, str]]:
        options = []
        for case_id in self.case_ids:
            case = self.by_id.loc[case_id].to_dict()
            n = len(logic.priority_needs(case, self.answers.get(case_id)))
            options.append((M(plural_key("case_option", n, self.lang), self.lang, name=f"{case['first_name']} {case['last_name']}",
                              age=int(case["age"]), town=case["town"], n=n), case_id))
        return options

    @property
    def case(self) -> dict:
        return self.by_id.loc[self.case_picker.value].to_dict()

    @property
    def plan(self) -> logic.Plan:
        return self.plans[self.case_picker.value]

    @property
    def need(self) -> str | None:
        return self.need_picker.value

    def filters(self) -> logic.Filters:
        return logic.Filters(region=self.region_filter.value or None, max_km=self.distance_filter.value or None,
                             language=self.language_filter.value or None, free_only=bool(self.free_filter.value))

    # ------------------------------------------------------------------ events

    def _on_case(self, change) -> None:
        case_id = change["new"]
        if case_id is None:
            return
        case = self.case
        if case_id not in self.plans:
            needs = [n.category for n in logic.priority_needs(case, self.answers.get(case_id))]
            self.plans[case_id] = logic.Plan(case=case, needs=needs)
        plan = self.plan
        self._busy = True
        try:
            self.need_picker.options = [(logic.category_label(n, self.lang), n) for n in plan.needs]
            self.need_picker.value = plan.needs[0] if plan.needs else None
            self.consent.value = plan.consent
            self.consent_date.value = plan.consent_date
            self.assent.value = plan.assent is True
            self.assent.layout.display = "flex" if is_child(case.get("age")) else "none"
            for name, box in self.share.items():
                box.value = name in plan.shared
        finally:
            self._busy = False
        self.feedback.value = ""
        self.export_links.value = ""
        self.choice_status.value = ""
        self._render_card()
        self._on_search(None)

    def _on_search(self, _change) -> None:
        if self._busy:
            return
        self._fill_results()
        self._draw_map()

    def _on_consent(self, _change) -> None:
        if self._busy or self.case_picker.value is None:
            return
        self.plan.consent = self.consent.value
        self._record({"consent": {True: "yes", False: "no"}.get(self.consent.value)})
        value = self.consent_date.value
        self.plan.consent_date = value if isinstance(value, dt.date) else None
        self._stale()

    def _on_assent(self, _change) -> None:
        if self._busy or self.case_picker.value is None:
            return
        self.plan.assent = bool(self.assent.value)
        self._stale()

    def _on_share(self, _change) -> None:
        if self._busy or self.case_picker.value is None:
            return
        self.plan.shared = frozenset(name for name, box in self.share.items() if box.value)
        self._stale()

    def _stale(self) -> None:
        # The plan changed after a check: its old feedback and forms no longer apply.
        if self.feedback.value:
            self.feedback.value = ""
        if self.export_links.value:
            self.export_links.value = ""

    # ------------------------------------------------------------------ the case card

    def _render_card(self) -> None:
        lang = self.lang
        case, plan = self.case, self.plan
        region = self._region_name(case.get("region_id"))
        date = case.get("return_date")
        date = fmt_date(date, lang) if hasattr(date, "date") and not pd.isna(date) else str(date or "")
        profile = M("card_profile_female" if case.get("sex") == "female" else "card_profile_male", lang,
                    name=case["first_name"], last=case["last_name"],
                    sex=self._sex_word(case, lang),
                    age=int(case["age"]),
                    country_from=country_from(case.get("country_returned_from"), lang), date=date,
                    town=case["town"], region=region)

        def codes(vocab, column, none="card_none"):
            return ", ".join(label(vocab, c, lang) for c in logic.split_codes(case.get(column, ""))) or M(none, lang)

        debt = float(case.get("debt_mad") or 0)
        debt_text = M("card_none", lang) if debt == 0 else (
            f"{logic.M('fee', lang, fee=fmt_number(debt, lang))} "
            f"({logic._lower_first(label('debt_reason', case.get('debt_reason'), lang))})")
        rows = [
            (M("card_languages", lang), codes("language", "languages")),
            (M("card_documents", lang), codes("document", "documents")),
            (M("card_vulnerabilities", lang), codes("vulnerability", "vulnerabilities", "card_none_f")),
            (M("card_debt", lang), debt_text),
        ]
        child = is_child(case.get("age"))
        if child:
            rows.append((M("card_child", lang), "; ".join(
                label(vocab, case.get(vocab), lang) for vocab in ("child_return", "best_interests") if case.get(vocab))))
        needs_html = []
        reasons = {n.category: n for n in logic.priority_needs(case, self.answers.get(case["case_id"]))}
        for need in plan.needs:
            sid = plan.choices.get(need)
            if sid and sid in self.directory.position:
                found = logic.match_one(case, sid, self.directory)
                chosen = M("card_chosen", lang, service=self.directory.name(sid),
                           km=found.km_text(lang) if found else "")
                mark = "✔"
            else:
                chosen, mark = M("card_not_chosen", lang), "○"
            reason = reasons[need].reason(lang) if need in reasons else ""
            needs_html.append(f"<li><b>{esc(logic.category_label(need, lang))}</b> {mark} <i>{esc(chosen)}</i>"
                              f"<br><span style='color:#444'>{esc(reason)}</span></li>")
        table = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{esc(k)}</th><td>{esc(v)}</td></tr>"
                        for k, v in rows)
        self.case_card.value = (
            f"<div class='referral-case' style='border:1px solid #bbb;border-radius:6px;padding:.6em 1em;max-width:60em'>"
            f"<p>{esc(profile)}</p><table>{table}</table>"
            + (f"<p class='referral-child' role='note'><b>⚠ {esc(M('card_child_notice', lang, name=case['first_name']))}</b></p>"
               if child else "") +
            f"<p style='margin:.5em 0 0'><b>{esc(M('card_needs', lang))}</b></p><ul>{''.join(needs_html)}</ul></div>")

    @staticmethod
    def _sex_word(case, lang) -> str:
        """A girl or a boy for a child, a woman or a man for an adult (not the data's Female / Male)."""
        sex = case.get("sex")
        if sex not in ("female", "male"):
            return label("sex", sex, lang).lower()
        if is_child(case.get("age")):
            return M("card_girl" if sex == "female" else "card_boy", lang)
        return M("card_woman" if sex == "female" else "card_man", lang)

    def _region_name(self, region_id) -> str:
        row = self.regions[self.regions["region_id"] == region_id]
        column = f"name_{self.lang}"
        return str(row.iloc[0][column]) if len(row) and column in row else str(region_id or "")

    # ------------------------------------------------------------------ search results

    def current_matches(self) -> logic.MatchResult | None:
        if self.need is None:
            return None
        return logic.match(self.case, self.need, self.directory, self.filters())

    def _fill_results(self) -> None:
        lang = self.lang
        result = self.current_matches()
        self._result = result
        previous = self.results.value
        if result is None or result.shown == 0:
            self.results.options = []
            self.results_info.value = f"<p>{esc(M('results_none', lang))}</p>" if result is not None else ""
            self.details.value = ""
            return
        hint = self.hint_toggle.value
        items = result.eligible + result.excluded if hint else sorted(
            result.all(), key=lambda m: (m.distance_km, m.service_id))
        chosen = self.plan.choices.get(self.need)
        options = []
        for m in items:
            parts = [m.provider_name] + ([m.town] if m.town and m.town not in m.provider_name else [])
            parts += [m.km_text(lang), m.places_text(lang, short=True), m.wait_text(lang), m.cost_text(lang)]
            text = " · ".join(parts)
            if hint:
                text = (f"✔ {m.rank}. " if m.eligible else "✘ ") + text
            if m.service_id == chosen:
                text = "★ " + text
            options.append((text, m.service_id))
        ids = [sid for _, sid in options]
        # One update for the page: new options and the selection together (setting the options alone
        # would select the first one for an instant, and a participant's click could be lost).
        self._filling = True
        try:
            with self.results.hold_sync():
                self.results.options = options
                self.results.value = previous if previous in ids else (chosen if chosen in ids else None)
        finally:
            self._filling = False
        count = M.n("results_count", result.shown, lang)
        self.results_info.value = f"<p>{esc(count)}</p>"
        self._show_details()

    def _show_details(self) -> None:
        lang = self.lang
        sid = self.results.value
        result = getattr(self, "_result", None)
        if not sid or result is None:
            self.details.value = ""
            return
        m = next((x for x in result.all() if x.service_id == sid), None)
        row = self.directory.row(sid)
        if m is None or row is None:
            self.details.value = ""
            return

        def codes(vocab, column, empty):
            return ", ".join(label(vocab, c, lang) for c in logic.split_codes(row.get(column, ""))) or empty

        low, high = int(self.directory.min_age[self.directory.position[sid]]), int(
            self.directory.max_age[self.directory.position[sid]])
        ages = M("d_ages_open", lang, low=low) if high >= logic.OPEN_AGE else M("d_ages_value", lang, low=low, high=high)
        facts = [
            (M("d_category", lang), logic.category_label(m.category, lang)),
            (M("d_type", lang), label("provider_type", row.get("provider_type"), lang) if row.get("provider_type") else ""),
            (M("d_where", lang), f"{m.town} ({self._region_name(m.region_id)})"),
            (M("d_distance", lang, town=self.case["town"]), m.km_text(lang)),
            (M("d_open", lang), label("service_sex", row.get("sex") or "any", lang)),
            (M("d_ages", lang), ages),
            (M("d_languages", lang), codes("language", "languages", logic.M("unknown", lang))),
            (M("d_documents", lang), codes("document", "documents_required", M("d_nobody", lang))),
            (M("d_focus", lang), codes("vulnerability", "vulnerability_focus", M("d_nobody", lang))),
            (M("d_capacity", lang), m.places_text(lang)),
            (M("d_wait", lang), m.wait_text(lang)),
            (M("d_cost", lang), m.cost_text(lang)),
            (M("d_access", lang), codes("accessibility", "accessibility", M("card_none_f", lang))),
            (M("d_contact", lang), ", ".join(str(x) for x in (row.get("contact_name"), row.get("phone"), row.get("email")) if x)),
        ]
        table = "".join(f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>{esc(k)}</th>"
                        f"<td>{esc(v)}</td></tr>" for k, v in facts)
        body = f"<p><b>{esc(m.provider_name)}</b></p><table>{table}</table>"
        if self.hint_toggle.value:
            rules = "".join(f"<li>{badge('right' if c.status == 'ok' else 'wrong' if c.status == 'fail' else 'warning', c.title(lang))}"
                            f" {esc(c.text(lang))}</li>" for c in m.checks)
            verdict = (M("d_rank", lang, rank=m.rank, n=len(result.eligible), why=m.explanation(lang)) if m.eligible
                       else M("d_excluded", lang))
            body += f"<p><b>{esc(M('d_rules', lang))}</b></p><ul>{rules}</ul><p>{esc(verdict)}</p>"
            body += f"<p style='font-size:.85em;color:#444'>{esc(logic.M('ranking_rule', lang))}</p>"
        self.details.value = f"<div class='referral-details'>{body}</div>"

    # ------------------------------------------------------------------ choices

    def choose(self, service_id: str | None = None) -> None:
        lang = self.lang
        sid = service_id or self.results.value
        if not sid or self.need is None:
            self.choice_status.value = badge("missing", M("select_first", lang))
            return
        self.plan.choices[self.need] = sid
        self._record({f"need:{self.need}": sid})
        self.choice_status.value = badge("right", M("chosen_now", lang, service=self.directory.name(sid),
                                                    need=logic.category_label(self.need, lang)))
        self._after_choice()

    def unchoose(self) -> None:
        if self.need is None:
            return
        self.plan.choices.pop(self.need, None)
        self._record({f"need:{self.need}": None})
        self.choice_status.value = badge("missing", M("removed", self.lang, need=logic.category_label(self.need, self.lang)))
        self._after_choice()

    def _record(self, answers: dict) -> None:
        """In a workshop, the choice's codes go to the room's answers (a service id, consent yes or no)."""
        if self.case_picker.value is not None:
            self.recorder.record(RECORDED, str(self.case_picker.value), answers)

    def _after_choice(self) -> None:
        self._stale()
        self._render_card()
        self._fill_results()
        self._draw_map()

    # ------------------------------------------------------------------ map

    def map_figure(self):
        case = self.case
        result = getattr(self, "_result", None)
        shown = [] if result is None else result.all()
        positions = [self.directory.position[m.service_id] for m in shown]
        services = self.directory.frame.iloc[positions] if positions else self.directory.frame.iloc[[]]
        chosen_ids = [sid for _, sid in self.plan.chosen() if sid in self.directory.position]
        chosen = self.directory.frame.iloc[[self.directory.position[s] for s in chosen_ids]]
        return maps.referral_map(self.regions, services, case=case, chosen=chosen, lang=self.lang,
                                 view=self.map_view.value, figsize=(7.4, 8.8), legend="below",
                                 fit_nearest=FIT_NEAREST)

    def _draw_map(self) -> None:
        if not self.show_map or self.case_picker.value is None:
            return
        fig = self.map_figure()
        alt = getattr(fig, "alt_text", "")
        self.map_image.value = maps.to_png(fig, dpi=90)
        self.map_caption.value = f"<p style='font-size:.85em;color:#444'>{esc(alt)}</p>"

    # ------------------------------------------------------------------ check and export

    def check(self) -> logic.PlanCheck:
        lang = self.lang
        result = logic.check_plan(self.plan, self.directory)
        self.last_check = result
        parts = [f"<p>{badge('right' if result.ready else 'wrong', result.summary(lang), strong=True)}</p>"]
        for point in logic.POINTS:
            findings = result.by_point(point)
            if not findings:
                continue
            items = "".join(f"<li>{badge(f.status, f.text(lang))}</li>" for f in findings)
            parts.append(f"<p style='margin:.4em 0 0'><b>{esc(logic.M('point_' + point, lang))}</b> "
                         f"{badge(result.point_status(point), '')}</p><ul>{items}</ul>")
        self.feedback.value = f"<div class='referral-feedback'>{''.join(parts)}</div>"
        return result

    def export(self) -> dict[str, bytes] | None:
        """The referral forms as downloads to the participant's own device (HTML and CSV):
        nothing is written on the machine that runs the exercise."""
        lang = self.lang
        plan = self.plan
        try:
            html_text = logic.form_html(plan, self.directory, lang)
            csv_text = logic.form_csv(plan, self.directory, lang)
        except logic.ExportRefused as refused:
            self.export_links.value = f"<p>{badge('wrong', refused.text(lang))}</p>"
            return None
        stem = f"referral-{plan.person.case_id}-{lang}"
        html_bytes = html_text.encode("utf-8")
        csv_bytes = csv_text.encode("utf-8-sig")  # a BOM, so that spreadsheets read the accents right
        warnings_ = []
        if not logic.check_plan(plan, self.directory).ready:
            warnings_.append(f"<p>{badge('warning', M('export_warning', lang))}</p>")
        real = self._real_looking_contacts()
        if real:
            warnings_.append(f"<p class='export-personal'>{badge('warning', M('export_personal', lang, which=', '.join(real)))}</p>")
        self.export_links.value = (
            f"{''.join(warnings_)}<p>{esc(M('exported', lang))} "
            f"{download_link(html_bytes, stem + '.html', 'text/html;charset=utf-8', M('download_html', lang), new_tab=True)} · "
            f"{download_link(csv_bytes, stem + '.csv', 'text/csv;charset=utf-8', M('download_csv', lang))}</p>")
        self.exported = {"html": html_bytes, "csv": csv_bytes, "html_name": f"{stem}.html", "csv_name": f"{stem}.csv"}
        return self.exported

    def _real_looking_contacts(self) -> list[str]:
        """The contact details the forms would carry that look real (synthetic data only)."""
        found = []
        for _need, sid in self.plan.chosen():
            row = self.directory.row(sid) or {}
            for key, looks_real in (("phone", looks_real_phone), ("email", looks_real_email)):
                value = row.get(key)
                if value and isinstance(value, str) and looks_real(value):
                    found.append(value)
        case = self.case
        for key, looks_real in (("phone", looks_real_phone), ("email", looks_real_email)):
            value = case.get(key)
            if key in self.plan.shared and isinstance(value, str) and value and looks_real(value):
                found.append(value)
        return list(dict.fromkeys(found))

    # ------------------------------------------------------------------ own directory

    def _update_directory_status(self) -> None:
        lang = self.lang
        d = self.directory
        text = (M("directory_course", lang, services=services_text(len(d), lang)) if d.source == "course"
                else M("directory_file", lang, name=d.source, services=services_text(len(d), lang)))
        self.directory_status.value = f"<p><b>{esc(text)}</b></p>"

    def _on_upload(self, change) -> None:
        upload = uploaded_file(change["new"])
        if upload:
            self.load_directory(*upload)

    def load_directory(self, data: bytes, name: str) -> bool:
        """Load a trainer's directory (bytes of an .xlsx or .csv file). False, with the messages shown, if bad."""
        lang = self.lang
        result, report = load_services_file(data, name, lang, self.upload_progress)
        if report:
            self.upload_report.value = report
            return False
        self.directory = logic.Directory(result.data, source=name or "upload")
        for plan in self.plans.values():
            plan.choices.clear()
        notes = ""
        if result.warnings:
            notes = (f"<p>{esc(M('upload_warnings', lang))}</p><ul>"
                     + "".join(f"<li>{esc(p.message(lang))}</li>" for p in result.warnings) + "</ul>")
        self.upload_report.value = (f"<div class='upload-report'><p>{badge('right', M('upload_ok', lang, name=name, services=services_text(len(self.directory), lang)))}</p>"
                                    f"{notes}</div>")
        self._update_directory_status()
        self._after_choice()
        return True

    def restore_directory(self) -> None:
        if self.directory is self.course_directory:
            return
        self.directory = self.course_directory
        for plan in self.plans.values():
            plan.choices.clear()
        self.upload_report.value = ""
        self._update_directory_status()
        self._after_choice()


MG = messages(
    "referral_gaps_ui",
    {
        "title": "Gaps in the referral network",
        "intro": ("Each cell compares the open cases of a region that need a type of service with what the region's services "
            "offer. Choose the measure, then look at one region to see its gaps in detail. Synthetic course data, unless "
            "you load your own directory."),
        "measure": "Compare with",
        "region": "Region",
        "all_regions": "All regions",
        "no_gap": "No gap in this selection.",
    },
)


class GapExplorer:
    """Regions × categories: where services are missing or short of the caseload's needs."""

    def __init__(self, lang: str | None = None, cases: pd.DataFrame | None = None,
                 services: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None,
                 regions: pd.DataFrame | None = None, show_chart: bool = True):
        from .. import gaps, loader

        self.gaps = gaps
        self.lang = lang = current_lang(lang)
        course = all(x is None for x in (cases, services, assessments, regions))
        data = preload() if course else {}
        self.cases = cases if cases is not None else data.get("cases", loader.load_cases())
        self.assessments = assessments if assessments is not None else data.get("assessments", loader.load_assessments())
        self.regions = regions if regions is not None else data.get("regions", loader.load_regions())
        self.course_services = services if services is not None else data.get("services", loader.load_services())
        self.services = self.course_services
        self.source = "course"
        self.show_chart = show_chart
        if course:
            if "needs" not in data:
                data["needs"] = gaps.needs_by_region(self.cases, self.assessments)
            self.needs = data["needs"]
        else:
            self.needs = gaps.needs_by_region(self.cases, self.assessments)

        self.measure = w.ToggleButtons(options=[(gaps.M("places", lang), "places"),
                                                (gaps.M("capacity", lang), "capacity")],
                                       value="places", description=MG("measure", lang),
                                       style={"button_width": "14em", "description_width": "7em"})
        self.region = w.Dropdown(options=[(MG("all_regions", lang), ANY)] + [
            (str(r[f"name_{lang}"]), r["region_id"]) for r in self.regions.to_dict("records")],
            value=ANY, description=MG("region", lang), style={"description_width": "7em"},
            layout=w.Layout(width="32em"))
        self.chart = w.Image(format="png", layout=w.Layout(width="100%", max_width="1100px"))
        # On a phone the heatmap keeps legible labels and scrolls sideways in its box (CSS: ri-chart-scroll).
        self.chart_box = w.Box([self.chart], layout=w.Layout(width="100%"))
        self.chart_box.add_class("ri-chart-scroll")
        self.chart_caption = w.HTML()
        self.summary = w.HTML()
        self.table = w.HTML()
        self.upload = w.FileUpload(accept=".csv,.xlsx", multiple=False, description=M("upload", lang),
                                   layout=w.Layout(width="auto"))
        self.restore_button = w.Button(description=M("restore", lang), icon="undo", layout=w.Layout(width="auto"))
        self.directory_status = w.HTML()
        self.upload_report = w.HTML()

        self.measure.observe(lambda _: self._safe_refresh(chart=True), names="value")
        self.region.observe(lambda _: self._safe_refresh(chart=False), names="value")
        self.upload.observe(self._on_upload, names="value")
        self.restore_button.on_click(lambda _: self.restore_directory())

        from ..loader import MAX_UPLOAD_MB

        self.upload_progress = progress_bar()
        trainers = w.Accordion(children=[w.VBox([w.HTML(f"<p>{esc(M('upload_help', lang, limit=MAX_UPLOAD_MB))}</p>"),
                                                 w.HBox([self.upload, self.restore_button]), self.upload_progress,
                                                 self.directory_status, self.upload_report])],
                               titles=(M("step_upload", lang),))
        trainers.selected_index = None
        self.widget = w.VBox([
            w.HTML(f"<h2>{esc(MG('title', lang))}</h2><p>{esc(MG('intro', lang))}</p>"),
            self.measure, self.chart_box, self.chart_caption, self.summary, self.region, self.table,
            *([trainers] if trainer_tools_shown() else []),  # a workshop participant never sees the upload
        ], layout=w.Layout(max_width="1150px"))
        self._status()
        self.refresh(chart=True)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _status(self) -> None:
        n = len(self.services)
        text = (M("directory_course", self.lang, services=services_text(n, self.lang)) if self.source == "course"
                else M("directory_file", self.lang, name=self.source, services=services_text(n, self.lang)))
        self.directory_status.value = f"<p><b>{esc(text)}</b></p>"

    def _safe_refresh(self, chart: bool) -> None:
        try:
            self.refresh(chart)
        except Exception:  # noqa: BLE001 — never a traceback (nor English exception text) for the reader
            self.summary.value = f"<p>{badge('wrong', M('error', self.lang))}</p>"

    def refresh(self, chart: bool = True) -> pd.DataFrame:
        lang = self.lang
        gaps = self.gaps
        self.result = gaps.gap_table(self.services, regions=self.regions, needs=self.needs,
                                     measure=self.measure.value)
        if chart and self.show_chart:
            fig = gaps.gap_heatmap(self.result, self.regions, lang)
            self.chart_caption.value = f"<p style='font-size:.85em;color:#444'>{esc(fig.alt_text)}</p>"
            self.chart.value = maps.to_png(fig, dpi=90)
        self.summary.value = f"<p><b>{esc(gaps.summary(self.result, lang))}</b></p>"
        selected = self.result if not self.region.value else self.result[self.result["region_id"] == self.region.value]
        readable = gaps.readable_table(selected, self.regions, lang)
        self.table.value = f"<p>{esc(MG('no_gap', lang))}</p>" if readable.empty else html_table(readable, "gap-table")
        if not readable.empty and readable.attrs.get("note"):
            self.table.value += f"<p style='font-size:.85em;color:#444'>{esc(readable.attrs['note'])}</p>"
        return self.result

    def _on_upload(self, change) -> None:
        upload = uploaded_file(change["new"])
        if upload:
            self.load_directory(*upload)

    def load_directory(self, data: bytes, name: str) -> bool:
        lang = self.lang
        result, report = load_services_file(data, name, lang, self.upload_progress)
        if report:
            self.upload_report.value = report
            return False
        services = self.services = result.data
        self.source = name or "upload"
        self.upload_report.value = f"<p>{badge('right', M('upload_ok', lang, name=name, services=services_text(len(services), lang)))}</p>"
        self._status()
        self._safe_refresh(chart=True)
        return True

    def restore_directory(self) -> None:
        self.services, self.source = self.course_services, "course"
        self.upload_report.value = ""
        self._status()
        self._safe_refresh(chart=True)
