"""The referral map: conventions (disclaimer, dashed shared line), legend, case, lines."""
import matplotlib
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from reintegra import maps

REGIONS = pd.DataFrame({
    "region_id": ["MA-04", "MA-06", "MA-11"], "seat_en": ["Rabat", "Casablanca", "Laayoune"],
    "seat_fr": ["Rabat", "Casablanca", "Laâyoune"], "seat_lat": [34.02, 33.57, 27.15],
    "seat_lon": [-6.84, -7.59, -13.20],
})
SERVICES = pd.DataFrame([
    {"service_id": "S1", "category": "health", "lat": 34.0, "lon": -6.8, "region_id": "MA-04", "town": "Rabat"},
    {"service_id": "S2", "category": "health", "lat": 33.9, "lon": -6.9, "region_id": "MA-04", "town": "Témara"},
    {"service_id": "S3", "category": "housing", "lat": 33.6, "lon": -7.6, "region_id": "MA-06", "town": "Casablanca"},
])
CASE = {"case_id": "C1", "first_name": "Salma", "last_name": "Testi", "town": "Salé", "lat": 34.045, "lon": -6.79,
        "region_id": "MA-04"}


def dashed_collections(fig):
    return [c for c in fig.axes[0].collections if isinstance(c, LineCollection) and c.get_gid() == "outline-dashed"]


def test_base_map_follows_the_conventions():
    geo = maps.base_geometry()
    assert len(geo.morocco) == 2  # Morocco and W. Sahara, one fill
    assert len(geo.shared_edges) > 50 and len(geo.outer_edges) > 300
    assert set(geo.neighbours) == {"Algeria", "Mauritania", "Spain"}
    fig = maps.referral_map(REGIONS, SERVICES, lang="en")
    ax = fig.axes[0]
    fills = {p.get_facecolor() for p in ax.patches if p.get_zorder() == 2}
    assert len(fills) == 1  # the same fill for both features
    dashed = dashed_collections(fig)
    assert len(dashed) == 1
    style = dashed[0].get_linestyle()[0]
    assert style[1] is not None and len(style[1]) >= 2  # a dash pattern, not a solid line
    solid = [c for c in ax.collections if c.get_gid() == "outline-solid"]
    assert solid and solid[0].get_linestyle()[0][1] is None
    maps.to_png(fig)


@pytest.mark.parametrize("lang,disclaimer,entries", [
    ("en", "do not imply official endorsement or acceptance by the authors of this course.",
     ["Health care (2)", "Housing and shelter (1)", "Regional seat", "Boundary not agreed (dashed)",
      "Returnee's town: Salé", "Referral chosen"]),
    ("fr", "n’impliquent pas l’approbation ou l’acceptation officielles des auteurs de ce cours.",
     ["Soins de santé (2)", "Logement et hébergement (1)", "Chef-lieu de région", "Frontière non convenue (tirets)",
      "Ville de la personne\u00a0: Salé", "Orientation choisie"]),
])
def test_disclaimer_and_legend_in_the_reader_language(lang, disclaimer, entries):
    fig = maps.referral_map(REGIONS, SERVICES, case=CASE, chosen=SERVICES.iloc[[0, 2]], lang=lang, view="country")
    texts = maps.figure_texts(fig)
    joined = " ".join(t.replace("\n", " ") for t in texts)
    assert disclaimer in joined
    legend_texts = [t.get_text().replace("\n", " ") for legend in fig.axes[1].get_children()
                    if isinstance(legend, matplotlib.legend.Legend) for t in legend.get_texts()]
    for entry in entries:
        assert entry in legend_texts, (entry, legend_texts)
    maps.to_png(fig)


def test_colour_and_shape_differ_for_every_category():
    styles = list(maps.CATEGORY_STYLE.values())
    assert len({s.marker for s in styles}) == len(styles)  # shape alone tells them apart
    assert "*" not in {s.marker for s in styles}  # the star is the returnee's town


def test_case_star_lines_and_distance_labels():
    fig = maps.referral_map(REGIONS, SERVICES, case=CASE, chosen=SERVICES.iloc[[0, 2]], lang="en", view="fit")
    ax = fig.axes[0]
    assert len([line for line in ax.lines if line.get_gid() == "referral-line"]) == 2
    assert [c for c in ax.collections if c.get_gid() == "case-town"]
    texts = maps.figure_texts(fig)
    assert "Salé" in texts
    assert any(t.endswith(" km") for t in texts)
    lon_min, lon_max = ax.get_xlim()
    lat_min, lat_max = ax.get_ylim()
    assert lon_min < CASE["lon"] < lon_max and lat_min < CASE["lat"] < lat_max
    assert lon_max - lon_min < 6  # zoomed in, not the whole country
    assert "2 chosen referrals" in fig.alt_text
    maps.to_png(fig)


def test_zoom_on_the_region_and_extent_helpers():
    fig = maps.referral_map(REGIONS, SERVICES, case=CASE, zoom_region="MA-04", lang="fr")
    ax = fig.axes[0]
    assert ax.get_xlim()[1] - ax.get_xlim()[0] < 4
    maps.to_png(fig)
    assert maps.zoom_extent([]) == maps.FULL_EXTENT
    lon_min, lon_max, lat_min, lat_max = maps.zoom_extent([(34.0, -6.8)])
    assert lat_max - lat_min == pytest.approx(2.4)
    assert maps._fill_ratio((-30, 10, 10, 40), 1.0) == maps.FULL_EXTENT


def test_figures_are_closed():
    for _ in range(3):
        maps.to_png(maps.referral_map(REGIONS, SERVICES, lang="en"))
    assert matplotlib.pyplot.get_fignums() == []


def _legend_texts(fig):
    return [t.get_text().replace("\n", " ") for ax in fig.axes[1:] for legend in ax.get_children()
            if isinstance(legend, matplotlib.legend.Legend) for t in legend.get_texts()]


@pytest.mark.parametrize("lang,entry", [("en", "Boundary not agreed (dashed)"), ("fr", "Frontière non convenue (tirets)")])
def test_the_dashed_line_has_a_legend_entry_only_where_it_is_on_the_map(lang, entry):
    laayoune = {**CASE, "town": "Laâyoune", "lat": 27.154, "lon": -13.203, "region_id": "MA-11"}
    shown = {
        "country": maps.referral_map(REGIONS, SERVICES, lang=lang, view="country"),
        "rabat": maps.referral_map(REGIONS, SERVICES, case=CASE, zoom_region="MA-04", lang=lang),
        "laayoune": maps.referral_map(REGIONS, SERVICES, case=laayoune, zoom_region="MA-11", lang=lang),
    }
    for name, fig in shown.items():
        lon_min, lon_max = fig.axes[0].get_xlim()
        lat_min, lat_max = fig.axes[0].get_ylim()
        visible = maps.shared_line_visible((lon_min, lon_max, lat_min, lat_max))
        assert visible == (name != "rabat"), name
        assert (entry in _legend_texts(fig)) == visible, name
        assert len(dashed_collections(fig)) == 1  # the line itself is always drawn
        maps.to_png(fig)
    # the line lies along 27.67° N: a view north of it does not contain it, one across it does
    assert not maps.shared_line_visible((-10.0, -5.0, 30.0, 35.0))
    assert maps.shared_line_visible((-14.0, -8.0, 27.0, 28.5))
