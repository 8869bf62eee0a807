"""The referral-mapping widget, driven as a learner (and a trainer) would."""
import csv
import datetime as dt
import io

import pandas as pd
import pytest

from reintegra import referral as R
from reintegra.ui.referral import ReferralExercise

CONSENT_DAY = dt.date(2026, 7, 1)


@pytest.fixture()
def exercise(tmp_path):
    return ReferralExercise("en", show_map=False)


def choose_best(ex):
    """For every need, pick the first service of the hint's ranking (the best eligible one)."""
    ex.hint_toggle.value = True
    for _label, need in ex.need_picker.options:
        ex.need_picker.value = need
        ex.results.value = ex.results.options[0][1]
        ex.choose_button.click()


def record_consent_and_needed_data(ex):
    ex.consent.value = True
    ex.consent_date.value = CONSENT_DAY
    person = ex.plan.person
    needed = {f for _n, sid in ex.plan.chosen() for f in R.service_needed_fields(ex.directory, sid, person)}
    for name, box in ex.share.items():
        box.value = name in needed


def test_the_learner_gets_a_case_with_its_priority_needs(exercise):
    ex = exercise
    assert len(ex.case_picker.options) == 8
    plan = ex.plan
    assert 2 <= len(plan.needs) <= 4
    assert [v for _l, v in ex.need_picker.options] == plan.needs
    card = ex.case_card.value
    assert ex.case["first_name"] in card and "Priority needs" in card and "no service chosen yet" in card
    returned = pd.Timestamp(ex.case["return_date"])
    assert f"on {returned:%B} {returned.day}, {returned.year};" in card  # the date in words, as English writes it
    assert "services of this category match your filters" in ex.results_info.value
    assert ex.results.options


def test_filters_change_the_list(exercise):
    ex = exercise
    everything = len(ex.results.options)
    ex.distance_filter.value = 50
    near = len(ex.results.options)
    assert near < everything
    ex.distance_filter.value = 0  # any distance
    ex.region_filter.value = ex.case["region_id"]
    assert all(ex.directory.region[ex.directory.position[sid]] == ex.case["region_id"] for _l, sid in ex.results.options)
    ex.region_filter.value = ""  # any region
    ex.free_filter.value = True
    assert all(ex.directory.fee[ex.directory.position[sid]] == 0 for _l, sid in ex.results.options)
    ex.free_filter.value = False
    ex.language_filter.value = "turkish"
    ex.distance_filter.value = 10
    if not ex.results.options:
        assert "No service matches these filters" in ex.results_info.value


def test_hint_shows_eligibility_rule_by_rule_and_the_ranking(exercise):
    ex = exercise
    assert not any(label.startswith(("✔", "✘")) for label, _ in ex.results.options)
    ex.hint_toggle.value = True
    labels = [label for label, _ in ex.results.options]
    assert labels[0].startswith("✔ 1. ")
    ex.results.value = ex.results.options[0][1]
    assert "Eligibility, rule by rule" in ex.details.value and "Rank 1 of" in ex.details.value
    excluded = [sid for label, sid in ex.results.options if label.startswith("✘")]
    if excluded:
        ex.results.value = excluded[0]
        assert "Not eligible." in ex.details.value and "verdict-wrong" in ex.details.value


def test_a_complete_plan_is_ready_and_exports_only_the_shared_data(exercise, tmp_path):
    ex = exercise
    choose_best(ex)
    assert ex.case_card.value.count("✔") == len(ex.plan.needs)
    record_consent_and_needed_data(ex)
    ex.check_button.click()
    assert ex.last_check is not None
    problems = [f.text("en") for f in ex.last_check.problems]
    full = [f for f in ex.last_check.findings if f.point == "capacity" and f.status == "wrong"]
    assert not full and problems == [], problems
    assert "The plan is ready" in ex.feedback.value
    ex.export_button.click()
    assert "Download them to this device" in ex.export_links.value
    assert "data:text/html;charset=utf-8;base64," in ex.export_links.value
    assert "data:text/csv;charset=utf-8;base64," in ex.export_links.value
    html_text = ex.exported["html"].decode("utf-8")
    csv_text = ex.exported["csv"].decode("utf-8-sig")
    assert html_text.count('<section class="referral">') == len(ex.plan.needs)
    header = next(csv.reader(io.StringIO(csv_text)))
    shared_labels = {R.field_label(f, "en") for f in ex.plan.shared}
    field_columns = header[7:]
    assert set(field_columns) <= shared_labels
    assert "Debt (amount and reason)" not in field_columns or "debt" in ex.plan.shared
    for name in R.SHAREABLE_FIELDS:
        if name not in ex.plan.shared:
            assert f'data-field="{name}"' not in html_text


def test_mistakes_get_feedback_on_every_point(exercise):
    ex = exercise
    ex.hint_toggle.value = True
    excluded = []
    for _label, case_id in ex.case_picker.options:  # the first case and need with a service it is not eligible for
        ex.case_picker.value = case_id
        for need in ex.plan.needs:
            ex.need_picker.value = need
            excluded = [sid for label, sid in ex.results.options if label.startswith("✘")]
            if excluded:
                break
        if excluded:
            break
    assert excluded, "the course data should offer a service this case is not eligible for"
    ex.results.value = excluded[0]
    ex.choose_button.click()
    for name in ("debt", "protection", "name"):
        ex.share[name].value = True
    ex.check_button.click()
    feedback = ex.feedback.value
    assert "points to fix before sending the referrals" in feedback  # several: the plural form
    assert "is not eligible" in feedback
    assert "no service chosen yet" in feedback
    assert "Consent not recorded" in feedback
    assert "do not share" in feedback
    ex.export_button.click()
    assert "No referral form without consent" in ex.export_links.value
    # Changing the plan clears the old feedback.
    ex.consent.value = False
    assert ex.feedback.value == ""


def test_choices_are_kept_per_case_and_can_be_removed(exercise):
    ex = exercise
    first = ex.case_picker.value
    choose_best(ex)
    chosen = dict(ex.plan.choices)
    ex.case_picker.value = ex.case_picker.options[1][1]
    assert ex.plan.choices == {}
    ex.case_picker.value = first
    assert ex.plan.choices == chosen
    ex.need_picker.value = ex.plan.needs[0]
    ex.unchoose_button.click()
    assert ex.plan.needs[0] not in ex.plan.choices
    assert "Choice removed" in ex.choice_status.value
    ex.results.value = None
    ex.choose_button.click()
    assert "Select a service in the list first" in ex.choice_status.value


def test_french_widget(tmp_path):
    ex = ReferralExercise("fr", show_map=False)
    assert ex.check_button.description == "Vérifier le plan"
    assert "Besoins prioritaires" in ex.case_card.value
    returned = pd.Timestamp(ex.case["return_date"])
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
    assert f" le {returned.day} {months[returned.month - 1]} {returned.year}\u00a0;" in ex.case_card.value
    choose_best(ex)
    record_consent_and_needed_data(ex)
    ex.check_button.click()
    assert "Le plan est prêt" in ex.feedback.value
    ex.export_button.click()
    assert "Téléchargez-les sur cet appareil" in ex.export_links.value
    assert ex.exported["csv"].decode("utf-8-sig").startswith("reference_dossier;")
    assert 'lang="fr"' in ex.exported["html"].decode("utf-8")


def test_the_map_is_drawn_with_the_choices(tmp_path):
    ex = ReferralExercise("en")
    assert ex.map_image.value[:8] == b"\x89PNG\r\n\x1a\n"
    choose_best(ex)
    fig = ex.map_figure()
    assert len([line for line in fig.axes[0].lines if line.get_gid() == "referral-line"]) == len(ex.plan.needs)
    ex.map_view.value = "country"
    ex.map_view.value = "region"
    assert "Map of Morocco" in ex.map_caption.value
    assert not hasattr(ex, "last_error")
    import matplotlib.pyplot as plt

    plt.close(fig)


BAD_FILE = (
    "Nom du prestataire;Catégorie;Ville;Capacité\n"
    "Association Test;Cuisine;Rabat;dix\n"
).encode("utf-8")

GOOD_FILE = (
    "Code service;Nom du prestataire;Catégorie;Ville;Capacité;Charge;Langues;Gratuit\n"
    "S10001;Centre de formation Alpha;Formation professionnelle;Rabat;12;3;darija;gratuit\n"
    "S10002;Emploi Plus;Placement en emploi;Salé;20;5;darija;gratuit\n"
    "S10003;Clinique Beta;Soins de santé;Kénitra;30;10;darija;gratuit\n"
).encode("utf-8")


def test_a_bad_upload_shows_located_messages_and_keeps_everything(exercise):
    ex = exercise
    choose_best(ex)
    before = dict(ex.plan.choices)
    directory = ex.directory
    ex.upload.value = ({"name": "mes_services.csv", "type": "text/csv", "size": len(BAD_FILE),
                        "content": memoryview(BAD_FILE),
                        "last_modified": dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)},)
    report = ex.upload_report.value
    assert "mes_services.csv was not loaded" in report
    assert "Your current directory and your choices are kept" in report
    assert "row 2" in report.lower() or "line 2" in report.lower()
    assert ex.directory is directory and ex.plan.choices == before
    assert "Traceback" not in report and not hasattr(ex, "last_error")
    assert ex.load_directory(b"", "vide.xlsx") is False
    assert ex.load_directory(b"%PDF-1.4 not a table", "scan.pdf") is False
    assert ex.directory is directory


def test_a_good_upload_runs_the_exercise_on_it_and_can_be_undone(exercise):
    ex = exercise
    choose_best(ex)
    assert ex.load_directory(GOOD_FILE, "annuaire.csv") is True, ex.upload_report.value
    assert "annuaire.csv loaded: 3 services" in ex.upload_report.value
    assert "annuaire.csv (3 services)" in ex.directory_status.value
    assert ex.plan.choices == {}
    names = {R.Directory.name(ex.directory, sid) for sid in ex.directory.ids}
    assert names == {"Centre de formation Alpha", "Emploi Plus", "Clinique Beta"}
    ex.restore_button.click()
    assert ex.directory is ex.course_directory
    assert "synthetic directory (" in ex.directory_status.value


def test_french_bad_upload(tmp_path):
    ex = ReferralExercise("fr", show_map=False)
    ex.load_directory(BAD_FILE, "mes_services.csv")
    assert "n’a pas été chargé" in ex.upload_report.value
    assert "Votre répertoire actuel et vos choix sont conservés" in ex.upload_report.value


# ------------------------------------------------------------------ the gap view


def test_gap_explorer_compares_needs_and_supply_by_region():
    from reintegra.ui.referral import GapExplorer

    g = GapExplorer("en", show_chart=False)
    assert "region–category pairs have cases in need and no service" in g.summary.value
    assert "Open cases needing it" in g.table.value and "✘ missing" in g.table.value
    g.region.value = "MA-06"
    assert "Casablanca-Settat" in g.table.value
    assert "Draa-Tafilalet" not in g.table.value
    places = g.result
    g.measure.value = "capacity"
    assert (g.result["status"] == "short").sum() <= (places["status"] == "short").sum()
    assert g.load_directory(BAD_FILE, "mes_services.csv") is False
    assert "was not loaded" in g.upload_report.value and g.source == "course"
    assert g.load_directory(GOOD_FILE, "annuaire.csv") is True
    assert "annuaire.csv (3 services)" in g.directory_status.value
    g.restore_button.click()
    assert g.source == "course"


def test_gap_explorer_in_french_draws_its_chart():
    from reintegra.ui.referral import GapExplorer

    g = GapExplorer("fr")
    assert g.chart.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Carte de chaleur" in g.chart_caption.value
    assert "couples région-catégorie" in g.summary.value


# ------------------------------------------------------------------ a workshop's participants


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_exporting_writes_nothing_on_the_machine_and_offers_downloads(exercise, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ex = exercise
    choose_best(ex)
    record_consent_and_needed_data(ex)
    from reintegra.paths import repo_root
    forms = repo_root() / "_build" / "referral-forms"
    before = sorted(forms.rglob("*")) if forms.exists() else []
    ex.export_button.click()
    links = ex.export_links.value
    assert "/" + tmp_path.name not in links and str(repo_root()) not in links  # no path of the laptop
    case_id = ex.plan.person.case_id
    assert f"download='referral-{case_id}-en.html'" in links and f"download='referral-{case_id}-en.csv'" in links
    assert list(tmp_path.iterdir()) == []
    assert (sorted(forms.rglob("*")) if forms.exists() else []) == before
    assert ex.exported["csv_name"] == f"referral-{case_id}-en.csv"


def test_real_looking_contacts_never_reach_a_form_silently(exercise):
    ex = exercise
    data = GOOD_FILE.decode().replace(";Langues;Gratuit\n", ";Langues;Gratuit;Téléphone;Courriel\n")
    data = data.replace("darija;gratuit\n", "darija;gratuit;+212 6 61 23 45 67;alpha.rabat@gmail.com\n", 1)
    data = data.replace("darija;gratuit\n", "darija;gratuit;+212 5 00 01 23 45;emploi@example.org\n")
    data = data.replace("darija;gratuit\n", "darija;gratuit;+212 5 00 01 23 46;beta@example.org\n")
    assert ex.load_directory(data.encode("utf-8"), "annuaire.csv") is True, ex.upload_report.value
    assert "synthetic data only" in ex.upload_report.value
    sid = next(s for s in ex.directory.ids if ex.directory.name(s) == "Centre de formation Alpha")
    ex.need_picker.value = ex.need_picker.options[0][1]
    ex.choose(sid)
    ex.consent.value = True
    ex.consent_date.value = CONSENT_DAY
    ex.export_button.click()
    assert "look real" in ex.export_links.value and "alpha.rabat@gmail.com" in ex.export_links.value


def test_participants_do_not_see_the_trainers_upload(monkeypatch):
    from reintegra.ui.referral import GapExplorer

    monkeypatch.setenv("REINTEGRA_WORKSHOP_ROLE", "participant")
    ex = ReferralExercise("en", show_map=False)
    gaps = GapExplorer("en", show_chart=False)
    for view in (ex, gaps):
        shown = list(_descendants(view.widget))
        assert view.upload not in shown and view.restore_button not in shown
    monkeypatch.setenv("REINTEGRA_WORKSHOP_ROLE", "trainer")
    ex = ReferralExercise("en", show_map=False)
    assert ex.upload in list(_descendants(ex.widget))


def test_a_load_shows_its_progress_and_says_the_size_limit(exercise):
    ex = exercise
    seen = []
    ex.upload_progress.observe(lambda change: seen.append(change["new"]), names="value")
    shown = []
    ex.upload_progress.layout.observe(lambda change: shown.append(change["new"]), names="display")
    assert ex.load_directory(GOOD_FILE, "annuaire.csv") is True
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert shown == ["", "none"]  # shown while loading, hidden after
    assert "Files up to 9 MB" in "".join(w.value for w in _descendants(ex.widget) if hasattr(w, "value")
                                        and isinstance(w.value, str))


def test_plurals_of_services_and_needs():
    ex = ReferralExercise("fr", show_map=False)
    one = GOOD_FILE.decode().split("\n")
    assert ex.load_directory(("\n".join(one[:2]) + "\n").encode(), "un.csv") is True
    assert "(1\u00a0service)" in ex.directory_status.value and "1\u00a0services" not in ex.directory_status.value
    en = ReferralExercise("en", show_map=False)
    assert en.load_directory(("\n".join(one[:2]) + "\n").encode(), "one.csv") is True
    assert "(1 service)" in en.directory_status.value


@pytest.mark.parametrize("cell, guarded", [
    ("+212 5 00 01 23 45", False), ("+212500012345", False), ("+33 1 23 45 67 89", False),
    ("=HYPERLINK(\"http://x\")", True), ("+1+cmd|' /C calc'!A0", True), ("-2+3", True), ("@SUM(A1)", True),
    ("+212 5 00 01 23 45+1", True), ("\t=1", True),
])
def test_the_csv_guard_lets_phone_numbers_through_and_stops_formulas(cell, guarded):
    assert R.csv_cell(cell).startswith("'") is guarded
    assert R.csv_cell(cell).lstrip("'") == cell


def test_the_exported_csv_keeps_phone_numbers_as_written(exercise):
    ex = exercise
    choose_best(ex)
    record_consent_and_needed_data(ex)
    ex.export_button.click()
    rows = list(csv.reader(io.StringIO(ex.exported["csv"].decode("utf-8-sig"))))
    phones = [cell for row in rows[1:] for cell in row if "212" in cell]
    assert phones and all(p.startswith("+212 5 00 0") for p in phones), phones


def test_an_unexpected_failure_shows_no_english_exception_text_in_french(monkeypatch):
    ex = ReferralExercise("fr", show_map=False)

    def boom(*args, **kwargs):
        raise KeyError("service_id")

    monkeypatch.setattr(ex, "check", boom)
    ex.check_button._click_handlers.callbacks.clear()
    ex.check_button.on_click(ex._safe(lambda _: ex.check()))
    ex.check_button.click()
    shown = ex.feedback.value
    assert "Un problème est survenu" in shown and "KeyError" not in shown and "service_id" not in shown
    assert "KeyError" in ex.last_error  # kept for the trainer, not shown


def test_a_file_over_the_limit_gets_a_message_in_the_widget():
    ex = ReferralExercise("fr", show_map=False)
    directory = ex.directory
    assert ex.load_directory(b"x" * (9 * 1024 * 1024 + 1), "gros.csv") is False
    assert "jusqu’à 9\u00a0Mo" in ex.upload_report.value
    assert ex.directory is directory
