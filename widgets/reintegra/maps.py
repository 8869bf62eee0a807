"""Static maps of Morocco for the referral exercise (matplotlib, no tiles, no network).

The base map is drawn from ``datasets/maghreb-50m.geojson`` (Natural Earth
1:50m admin-0 outlines, public domain, via the ``world-atlas`` package; see the
data card). Conventions, as the data card asks:

* Morocco and the feature Natural Earth labels "W. Sahara" share one fill; the
  line the two features share is drawn **dashed**. In Natural Earth 1:50m that
  shared line is a line of control, not an agreed boundary; the map names
  neither feature and prints a disclaimer adapted for this course in the
  reader's language. The dashed line has a legend
  entry only when part of it lies in the view shown.
* Neighbouring countries are drawn lighter, with their names in grey.
* Services are shown by category with a colour **and** a marker shape (Okabe–Ito
  palette: distinguishable with the common forms of colour blindness), so that
  the legend can be read without colour; the returnee's town is a large star;
  chosen services are joined to it by lines labelled with the distance.

Every text on the map comes from the message catalogue (English and French).
The functions return a :class:`matplotlib.figure.Figure`; the caller shows or
saves it and closes it (:func:`to_png` does both).
"""
from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import matplotlib

matplotlib.use("Agg", force=False)  # no display needed: figures are saved or shown inline
import matplotlib.patheffects as pe  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Polygon as PolygonPatch  # noqa: E402

from .i18n import current_lang, fmt_number, messages, plural  # noqa: E402
from .synth.geo import haversine_km, load_outline  # noqa: E402

M = messages(
    "maps",
    {
        # Worded as the United Nations and IOM word the disclaimer on their maps.
        "disclaimer": ("The boundaries and names shown and the designations used on this map do not imply "
            "official endorsement or acceptance by the authors of this course."),
        "dashed": "Boundary not agreed (dashed)",
        "synthetic": "Services and returnee are fictional (synthetic course data).",
        "case_town": "Returnee's town: {town}",
        "case_town_short": "Returnee's town",
        "seat": "Regional seat",
        "chosen": "Referral chosen ({km})",
        "chosen_short": "Referral chosen",
        "chosen_category": "{category}: chosen service",
        "km": "{km} km",
        "title_all": plural("Service directory: {n} service by category", "Service directory: {n} services by category"),
        "title_region": "Services in {region}: {n} by category",
        "title_case": "Services for {name} ({town})",
        "legend_services": "Services (colour and shape)",
        "legend_map": "On the map",
        "Algeria": "Algeria",
        "Mauritania": "Mauritania",
        "Spain": "Spain",
        "Mali": "Mali",
        "atlantic": "Atlantic\nOcean",
        "mediterranean": "Mediterranean Sea",
        "alt": plural("Map of Morocco showing {n} service by category, the regional seats{case}.",
                      "Map of Morocco showing {n} services by category, the regional seats{case}."),
        "alt_case": plural(", the returnee's town ({town}) and {n} chosen referral", ", the returnee's town ({town}) and {n} chosen referrals"),
    },
)

# ---------------------------------------------------------------------------
# Style

SEA = "#e8f1f8"
LAND = "#f3ecdc"          # Morocco and W. Sahara: one fill
LAND_EDGE = "#5b5040"
NEIGHBOUR = "#f7f7f5"
NEIGHBOUR_EDGE = "#b9b9b9"
NEIGHBOUR_TEXT = "#8a8a8a"
SEAT_COLOUR = "#333333"
CASE_COLOUR = "#000000"
LINE_COLOUR = "#202020"
MOROCCO_FEATURES = ("Morocco", "W. Sahara")
NEIGHBOURS = ("Algeria", "Mauritania", "Spain")
FULL_EXTENT = (-17.6, -0.6, 20.4, 36.2)  # lon_min, lon_max, lat_min, lat_max
LEGEND_WRAP = 34  # characters per line in the legend column


@dataclass(frozen=True)
class Style:
    colour: str
    marker: str


# Okabe–Ito colours; every category also has its own marker shape.
_OI = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
       "purple": "#CC79A7", "sky": "#56B4E9", "black": "#000000"}
CATEGORY_STYLE: dict[str, Style] = {
    "job_placement": Style(_OI["blue"], "o"),
    "vocational_training": Style(_OI["orange"], "s"),
    "business_development": Style(_OI["green"], "^"),
    "financial_services": Style(_OI["vermillion"], "D"),
    "health": Style(_OI["purple"], "P"),
    "mental_health_psychosocial": Style(_OI["sky"], "h"),
    "housing": Style(_OI["black"], "v"),
    "documentation_legal": Style(_OI["blue"], "X"),
    "education": Style(_OI["orange"], "p"),
    "social_protection": Style(_OI["green"], "<"),
    "family_community": Style(_OI["vermillion"], ">"),
}
FALLBACK_STYLE = Style("#6b6b6b", "d")


def category_style(category: str) -> Style:
    return CATEGORY_STYLE.get(category, FALLBACK_STYLE)


def category_label(category: str, lang: str | None = None) -> str:
    from .schema import label

    return label("service_category", category, lang)


# ---------------------------------------------------------------------------
# Geometry of the base map


def _rings(geometry: Mapping) -> list[np.ndarray]:
    """Outer rings (holes ignored: none at this scale for these five countries)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    else:
        polygons = geometry["coordinates"]
    return [np.asarray(polygon[0], dtype=float) for polygon in polygons]


def _edge_key(a, b) -> tuple:
    p, q = (round(a[0], 6), round(a[1], 6)), (round(b[0], 6), round(b[1], 6))
    return (p, q) if p <= q else (q, p)


@dataclass(frozen=True)
class BaseGeometry:
    morocco: tuple[np.ndarray, ...]          # rings of Morocco and W. Sahara (filled alike)
    neighbours: dict[str, tuple[np.ndarray, ...]]
    outer_edges: np.ndarray                  # segments (n, 2, 2) drawn solid
    shared_edges: np.ndarray                 # segments (n, 2, 2) drawn dashed


@lru_cache(maxsize=2)
def _base_geometry(path: str | None) -> BaseGeometry:
    outline = load_outline(path)
    by_name = {f["properties"].get("name"): f for f in outline["features"]}
    morocco_rings = {name: _rings(by_name[name]["geometry"]) for name in MOROCCO_FEATURES if name in by_name}
    edge_count: dict[tuple, int] = {}
    owners: dict[tuple, set] = {}
    for name, rings in morocco_rings.items():
        for ring in rings:
            for a, b in zip(ring[:-1], ring[1:]):
                key = _edge_key(a, b)
                edge_count[key] = edge_count.get(key, 0) + 1
                owners.setdefault(key, set()).add(name)
    shared = [key for key, who in owners.items() if len(who) > 1]
    outer = [key for key, who in owners.items() if len(who) == 1]
    neighbours = {name: tuple(_rings(by_name[name]["geometry"])) for name in NEIGHBOURS if name in by_name}
    return BaseGeometry(
        morocco=tuple(r for rings in morocco_rings.values() for r in rings),
        neighbours=neighbours,
        outer_edges=np.asarray(outer, dtype=float).reshape(-1, 2, 2),
        shared_edges=np.asarray(shared, dtype=float).reshape(-1, 2, 2),
    )


def base_geometry(path: str | None = None) -> BaseGeometry:
    return _base_geometry(None if path is None else str(path))


# Where to write the neighbours' names and the seas (lon, lat), if inside the view.
_PLACE_LABELS = {
    "Algeria": (-2.6, 28.6), "Mauritania": (-12.0, 21.0), "Spain": (-4.6, 37.6), "Mali": (-2.6, 21.6),
    "atlantic": (-13.0, 31.6), "mediterranean": (-2.4, 35.85),
}
# The outline file has no Mali: this patch, drawn under the neighbours, keeps the
# land south-east of Mauritania from looking like sea. Every point of it is land.
_HINTERLAND = np.array([(-12.0, 10.0), (8.0, 10.0), (8.0, 27.4), (-8.7, 27.4), (-12.0, 26.0)])


def shared_line_visible(extent, path: str | None = None, samples: int = 8) -> bool:
    """Whether any part of the dashed line lies inside ``extent`` (lon_min, lon_max, lat_min, lat_max)."""
    lon_min, lon_max, lat_min, lat_max = extent
    edges = base_geometry(path).shared_edges
    if not len(edges):
        return False
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    points = edges[:, :1, :] + (edges[:, 1:, :] - edges[:, :1, :]) * t  # (n, samples, 2): lon, lat
    inside = ((points[..., 0] > lon_min) & (points[..., 0] < lon_max)
              & (points[..., 1] > lat_min) & (points[..., 1] < lat_max))
    return bool(inside.any())


def draw_base(ax, lang: str | None = None, path: str | None = None) -> None:
    """Sea, neighbours (lighter), Morocco and W. Sahara (one fill, shared line dashed)."""
    lang = current_lang(lang)
    geo = base_geometry(path)
    ax.set_facecolor(SEA)
    ax.add_patch(PolygonPatch(_HINTERLAND, closed=True, facecolor=NEIGHBOUR, edgecolor="none", zorder=0.5))
    for rings in geo.neighbours.values():
        for ring in rings:
            ax.add_patch(PolygonPatch(ring, closed=True, facecolor=NEIGHBOUR, edgecolor=NEIGHBOUR_EDGE,
                                      linewidth=0.6, zorder=1))
    for ring in geo.morocco:
        ax.add_patch(PolygonPatch(ring, closed=True, facecolor=LAND, edgecolor="none", linewidth=0, zorder=2))
    ax.add_collection(LineCollection(geo.outer_edges, colors=LAND_EDGE, linewidths=0.9, zorder=3,
                                     gid="outline-solid"))
    ax.add_collection(LineCollection(geo.shared_edges, colors=LAND_EDGE, linewidths=1.1, zorder=3,
                                     linestyles=(0, (4, 3)), gid="outline-dashed"))


def _label_places(ax, extent, lang: str) -> None:
    lon_min, lon_max, lat_min, lat_max = extent
    for key, (lon, lat) in _PLACE_LABELS.items():
        if lon_min < lon < lon_max and lat_min < lat < lat_max:
            sea = key in ("atlantic", "mediterranean")
            ax.text(lon, lat, M(key, lang), ha="center", va="center", fontsize=8.5,
                    color="#6f8ea8" if sea else NEIGHBOUR_TEXT, style="italic", zorder=4)


# ---------------------------------------------------------------------------
# The referral map


def _as_frame(services) -> pd.DataFrame:
    if services is None:
        return pd.DataFrame(columns=["service_id", "category", "lat", "lon"])
    if isinstance(services, pd.DataFrame):
        return services
    return pd.DataFrame(list(services))


def _aspect(lat_min: float, lat_max: float) -> float:
    return 1.0 / math.cos(math.radians((lat_min + lat_max) / 2))


def zoom_extent(points: Iterable[tuple[float, float]], pad: float = 0.45, min_span: float = 2.4) -> tuple:
    """A view (lon_min, lon_max, lat_min, lat_max) around points (lat, lon), padded."""
    pts = [(float(la), float(lo)) for la, lo in points if np.isfinite(la) and np.isfinite(lo)]
    if not pts:
        return FULL_EXTENT
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    lat_c, lon_c = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    lat_span = max(max(lats) - min(lats) + 2 * pad, min_span)
    lon_span = max(max(lons) - min(lons) + 2 * pad, min_span * _aspect(lat_c, lat_c))
    return (lon_c - lon_span / 2, lon_c + lon_span / 2, lat_c - lat_span / 2, lat_c + lat_span / 2)


class _Labeller:
    """Places text labels next to points without overlaps, most important first.

    Sizes are estimated in points from the font size (good enough for short
    place names); a label that finds no free spot around its point is left out,
    unless forced.
    """

    def __init__(self, ax, extent, width_pt: float, height_pt: float):
        self.ax = ax
        self.lon_min, self.lon_max, self.lat_min, self.lat_max = extent
        self.w, self.h = width_pt, height_pt
        self.boxes: list[tuple[float, float, float, float]] = []
        self.halo = [pe.withStroke(linewidth=3, foreground="white")]

    def _pt(self, lon, lat):
        x = (lon - self.lon_min) / (self.lon_max - self.lon_min) * self.w
        y = (lat - self.lat_min) / (self.lat_max - self.lat_min) * self.h
        return x, y

    def _free(self, box) -> bool:
        x0, y0, x1, y1 = box
        if x0 < 2 or y0 < 2 or x1 > self.w - 2 or y1 > self.h - 2:
            return False
        return all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1 for a0, b0, a1, b1 in self.boxes)

    def obstacle(self, lon, lat, half_w: float, half_h: float) -> None:
        x, y = self._pt(lon, lat)
        self.boxes.append((x - half_w, y - half_h, x + half_w, y + half_h))

    def place(self, text: str, lon, lat, fontsize: float = 8.5, colour: str = "#333333", weight: str = "normal",
              force: bool = False, gap: float = 5) -> bool:
        x, y = self._pt(lon, lat)
        width = len(text) * fontsize * (0.62 if weight == "bold" else 0.56)
        height = fontsize * 1.2
        spots = [(gap, 2, "left", "bottom"), (gap, -2, "left", "top"), (-gap, 2, "right", "bottom"),
                 (-gap, -2, "right", "top"), (-width / 2, gap + 2, "left", "bottom"), (-width / 2, -gap - 2, "left", "top")]
        for dx, dy, ha, va in spots:
            x0 = x + dx if ha == "left" else x + dx - width
            y0 = y + dy if va == "bottom" else y + dy - height
            box = (x0, y0, x0 + width, y0 + height)
            if self._free(box) or (force and (dx, dy) == spots[-1][:2]):
                self.boxes.append(box)
                self.ax.annotate(text, (lon, lat), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                 fontsize=fontsize, fontweight=weight, color=colour, path_effects=self.halo,
                                 zorder=12 if force else 9, annotation_clip=True)
                return True
        if force:  # no free spot: write it anyway, on the right
            self.ax.annotate(text, (lon, lat), xytext=(gap, 2), textcoords="offset points", fontsize=fontsize,
                             fontweight=weight, color=colour, path_effects=self.halo, zorder=12)
            return True
        return False

    def distance(self, text: str, lon0, lat0, lon1, lat1) -> None:
        """A boxed distance label on a line: at its middle if there is room, else beside its far end."""
        box_style = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": LINE_COLOUR, "lw": 0.6}
        width, height = len(text) * 8.5 * 0.6 + 6, 8.5 * 1.5
        for t in (0.5, 0.62, 0.38, 0.75):
            lon, lat = lon0 + t * (lon1 - lon0), lat0 + t * (lat1 - lat0)
            x, y = self._pt(lon, lat)
            box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
            if self._free(box):
                self.boxes.append(box)
                self.ax.annotate(text, (lon, lat), ha="center", va="center", fontsize=8.5, color=LINE_COLOUR,
                                 zorder=10, bbox=box_style)
                return
        x, y = self._pt(lon1, lat1)
        dx = 12 if lon1 >= lon0 else -12 - width
        dy = 10 if lat1 >= lat0 else -10 - height
        box = (x + dx, y + dy, x + dx + width, y + dy + height)
        self.boxes.append(box)
        self.ax.annotate(text, (lon1, lat1), xytext=(dx + width / 2, dy + height / 2), textcoords="offset points",
                         ha="center", va="center", fontsize=8.5, color=LINE_COLOUR, zorder=10, bbox=box_style)


def _spread(services: pd.DataFrame, chosen: pd.DataFrame, extent, width_pt: float, height_pt: float,
            spacing: float = 9.0) -> None:
    """Drawing positions ``_x, _y`` for services: those of one place (same town, or within about
    2 km) go on rings around it, ``spacing`` points apart, so that every marker can be seen.
    The chosen services take the position of the same service among those shown."""
    lon_min, lon_max, lat_min, lat_max = extent
    per_pt_x = (lon_max - lon_min) / width_pt
    per_pt_y = (lat_max - lat_min) / height_pt
    for frame in (services, chosen):
        frame["_x"] = frame["lon"].astype(float) if len(frame) else pd.Series(dtype=float)
        frame["_y"] = frame["lat"].astype(float) if len(frame) else pd.Series(dtype=float)
        frame["_ring"] = 0.0
    if not len(services):
        return
    keys = services["town"].astype(str) if "town" in services else (
        services["lat"].round(2).astype(str) + services["lon"].round(2).astype(str))
    for _key, index in services.groupby(keys, sort=False).groups.items():
        members = list(index)
        if len(members) < 2:
            continue
        centre_x = float(services.loc[members, "lon"].mean())
        centre_y = float(services.loc[members, "lat"].mean())
        placed, ring = 0, 1
        while placed < len(members):
            capacity = 6 * ring
            batch = members[placed:placed + capacity]
            for j, member in enumerate(batch):
                angle = 2 * math.pi * j / len(batch) + (0.5 if ring % 2 == 0 else 0)
                services.at[member, "_x"] = centre_x + math.cos(angle) * spacing * ring * per_pt_x
                services.at[member, "_y"] = centre_y + math.sin(angle) * spacing * ring * per_pt_y
            placed += len(batch)
            ring += 1
        services.loc[members, "_ring"] = spacing * (ring - 1)
    if len(chosen) and "service_id" in chosen and "service_id" in services:
        where = dict(zip(services["service_id"], zip(services["_x"], services["_y"])))
        for i, sid in zip(chosen.index, chosen["service_id"]):
            if sid in where:
                chosen.at[i, "_x"], chosen.at[i, "_y"] = where[sid]


def _fill_ratio(extent: tuple, ratio: float) -> tuple:
    """Widen the view so that, drawn with the right aspect, it fills a box of height/width ``ratio``,
    and never beyond the whole-country view."""
    lon_min, lon_max, lat_min, lat_max = extent
    lat_c, lon_c = (lat_min + lat_max) / 2, (lon_min + lon_max) / 2
    aspect = _aspect(lat_c, lat_c)
    lat_span, lon_span = lat_max - lat_min, lon_max - lon_min
    if lat_span * aspect / lon_span < ratio:
        lat_span = ratio * lon_span / aspect
    else:
        lon_span = lat_span * aspect / ratio
    full_lon = FULL_EXTENT[1] - FULL_EXTENT[0]
    full_lat = FULL_EXTENT[3] - FULL_EXTENT[2]
    if lon_span >= full_lon or lat_span >= full_lat:
        return FULL_EXTENT
    return (lon_c - lon_span / 2, lon_c + lon_span / 2, lat_c - lat_span / 2, lat_c + lat_span / 2)


def _seat_name(row: Mapping, lang: str) -> str:
    for key in (f"seat_{lang}", "seat_en", "seat_fr", "seat"):
        value = row.get(key) if hasattr(row, "get") else None
        if isinstance(value, str) and value:
            return value
    return ""


def referral_map(
    regions: pd.DataFrame | None = None,
    services=None,
    case: Mapping | None = None,
    chosen=None,
    zoom_region: str | None = None,
    lang: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (10.5, 8.2),
    label_seats: bool = True,
    outline_path: str | None = None,
    view: str | None = None,
    legend: str = "side",
    fit_nearest: int | None = None,
) -> Figure:
    """The map: base, seats, services by category, the case's town, lines to chosen services.

    ``regions``: a table with ``region_id, seat_<lang>, seat_lat, seat_lon``;
    ``services``: a table (or rows) with ``category, lat, lon``; ``case``: a
    mapping with ``town, lat, lon`` (and ``region_id`` for the zoom); ``chosen``:
    the services chosen for the case (a table or rows with ``lat, lon``);
    ``zoom_region``: a region code to zoom on (its seat, the case, and the
    services shown in that region). ``view``: ``"country"`` (all of Morocco,
    the default), ``"fit"`` (around the case, the chosen services and the
    services shown) or ``"region"`` (around ``zoom_region``, or the case's region).
    ``legend``: ``"side"`` (a column on the right, for wide figures) or ``"below"``
    (under the map, for a narrow column such as the exercise's). ``fit_nearest``:
    with ``view="fit"``, frame only the case, the chosen services and this many of
    the nearest services shown (the others stay on the map, perhaps out of view).
    """
    lang = current_lang(lang)
    services = _as_frame(services)
    chosen = _as_frame(chosen)
    fig = Figure(figsize=figsize, dpi=100)
    if legend == "below":  # title, map, two legends side by side, disclaimer
        ax = fig.add_axes([0.015, 0.29, 0.97, 0.655])
        legend_ax = fig.add_axes([0.015, 0.075, 0.45, 0.2])
        services_ax = fig.add_axes([0.48, 0.075, 0.51, 0.2])
        services_ax.axis("off")
    else:  # map on the left, legend column on the right, disclaimer underneath
        ax = fig.add_axes([0.01, 0.09, 0.66, 0.84])
        legend_ax = fig.add_axes([0.68, 0.09, 0.31, 0.84])
        services_ax = None
    legend_ax.axis("off")
    draw_base(ax, lang, outline_path)

    # The view.
    if view is None:
        view = "region" if zoom_region else "country"
    if view == "region" and not zoom_region and case is not None:
        zoom_region = case.get("region_id")
    points = []
    if view == "region" and zoom_region:
        if regions is not None and len(regions):
            seat = regions[regions["region_id"] == zoom_region]
            points += list(zip(seat["seat_lat"], seat["seat_lon"]))
        if len(services) and "region_id" in services:
            in_region = services[services["region_id"] == zoom_region]
            points += list(zip(in_region["lat"], in_region["lon"]))
    elif view == "fit" and len(services):
        framed = services
        if fit_nearest and case is not None and len(services) > fit_nearest:
            km = haversine_km(float(case["lat"]), float(case["lon"]), services["lat"].to_numpy(dtype=float),
                              services["lon"].to_numpy(dtype=float))
            framed = services.iloc[np.argsort(km, kind="stable")[:fit_nearest]]
        points += list(zip(framed["lat"], framed["lon"]))
    if view in ("region", "fit"):
        if case is not None:
            points.append((case["lat"], case["lon"]))
        if len(chosen) and view == "fit":
            points += list(zip(chosen["lat"], chosen["lon"]))
    if points:
        box = ax.get_position()
        ratio = (box.height * figsize[1]) / (box.width * figsize[0])
        extent = _fill_ratio(zoom_extent(points), ratio)
    else:
        extent = FULL_EXTENT
        view = "country"
    lon_min, lon_max, lat_min, lat_max = extent
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect(_aspect(lat_min, lat_max))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#9aa9b5")
    _label_places(ax, extent, lang)
    halo = [pe.withStroke(linewidth=3, foreground="white")]
    zoomed = view != "country"

    # Services, one layer per category (colour and marker).
    service_handles = []
    shown_categories = set(services["category"]) if len(services) else set()
    if len(chosen) and "category" in chosen:
        for category in [c for c in CATEGORY_STYLE if c in set(chosen["category"]) - shown_categories]:
            style = category_style(category)
            service_handles.append(Line2D([], [], linestyle="none", marker=style.marker, markersize=8,
                                          markerfacecolor=style.colour, markeredgecolor=LINE_COLOUR,
                                          label=M("chosen_category", lang, category=category_label(category, lang))))
    ax.apply_aspect()
    box = ax.get_position()
    width_pt, height_pt = box.width * figsize[0] * 72, box.height * figsize[1] * 72
    # Services of one town would hide each other: spread them on small rings around the town.
    services = services.copy()
    chosen = chosen.copy()
    spread = zoomed or len(services) <= 150
    if spread:
        _spread(services, chosen, extent, width_pt, height_pt)
    if len(services):
        n = len(services)
        size = 70 if n <= 60 else 44 if n <= 400 else 14
        if zoomed:
            size = max(size, 60)
        categories = list(dict.fromkeys(services["category"]))
        ordered = [c for c in CATEGORY_STYLE if c in categories] + sorted(set(categories) - set(CATEGORY_STYLE))
        for category in ordered:
            rows = services[services["category"] == category]
            style = category_style(category)
            ax.scatter(rows["_x"] if spread else rows["lon"], rows["_y"] if spread else rows["lat"], s=size,
                       c=style.colour, marker=style.marker, edgecolors="white", linewidths=0.6, alpha=0.95,
                       zorder=6, gid=f"services-{category}")
            service_handles.append(Line2D([], [], linestyle="none", marker=style.marker, markersize=8,
                                          markerfacecolor=style.colour, markeredgecolor="white",
                                          label=f"{category_label(category, lang)} ({len(rows)})"))

    # Labels are placed last, most important first, without overlapping each other.
    labeller = _Labeller(ax, extent, width_pt, height_pt)
    if zoomed and len(services):
        for x, y in zip(services["_x"] if spread else services["lon"], services["_y"] if spread else services["lat"]):
            labeller.obstacle(x, y, 4, 4)

    # Regional seats.
    other_handles = []
    case_town = str(case.get("town", "")) if case is not None else None
    seat_names: set[str] = set()
    if regions is not None and len(regions):
        for column in ("seat_en", "seat_fr", "seat"):
            if column in regions:
                seat_names |= {str(v) for v in regions[column]}
    seat_labels = []
    if regions is not None and len(regions) and label_seats:
        inside = regions[(regions["seat_lon"].between(lon_min, lon_max)) & (regions["seat_lat"].between(lat_min, lat_max))]
        ax.scatter(inside["seat_lon"], inside["seat_lat"], s=24, c="white", edgecolors=SEAT_COLOUR,
                   linewidths=1.4, marker="o", zorder=7, gid="seats")
        for _, row in inside.iterrows():
            name = _seat_name(row, lang)
            if name and name != case_town:
                seat_labels.append((name, row["seat_lon"], row["seat_lat"]))
        other_handles.append(Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                                    markeredgecolor=SEAT_COLOUR, markeredgewidth=1.4, label=M("seat", lang)))

    # The case and the lines to the chosen services.
    if case is not None:
        lat0, lon0 = float(case["lat"]), float(case["lon"])
        labeller.obstacle(lon0, lat0, 16, 16)
        for _, row in chosen.iterrows():
            x, y = (row["_x"], row["_y"]) if spread else (row["lon"], row["lat"])
            ax.plot([lon0, x], [lat0, y], color=LINE_COLOUR, linewidth=2.0, zorder=8,
                    solid_capstyle="round", gid="referral-line",
                    path_effects=[pe.withStroke(linewidth=4, foreground="white")])
            style = category_style(row.get("category", ""))
            ax.scatter([x], [y], s=170, c=style.colour, marker=style.marker,
                       edgecolors=LINE_COLOUR, linewidths=1.6, zorder=9, gid="chosen-service")
            labeller.obstacle(x, y, 10, 10)
        ax.scatter([lon0], [lat0], s=460, c=CASE_COLOUR, marker="*", edgecolors="white", linewidths=1.2,
                   zorder=11, gid="case-town")
        labeller.place(case_town, lon0, lat0, fontsize=10.5, weight="bold", colour=CASE_COLOUR, force=True,
                       gap=9)
        for _, row in chosen.iterrows():
            km = float(haversine_km(lat0, lon0, row["lat"], row["lon"]))
            x, y = (row["_x"], row["_y"]) if spread else (row["lon"], row["lat"])
            labeller.distance(M("km", lang, km=fmt_number(km, lang)), lon0, lat0, x, y)
        other_handles.insert(0, Line2D([], [], linestyle="none", marker="*", markersize=15,
                                       markerfacecolor=CASE_COLOUR, markeredgecolor="white",
                                       label=M("case_town", lang, town=case_town)))
        if len(chosen):
            other_handles.append(Line2D([], [], color=LINE_COLOUR, linewidth=2.0, label=M("chosen_short", lang)))
    for name, lon, lat in seat_labels:
        gap = 5.0
        if spread and len(services):
            near = (services["lon"] - lon).abs().lt(0.06) & (services["lat"] - lat).abs().lt(0.06)
            if near.any():
                gap += float(services.loc[near, "_ring"].max())
        labeller.place(name, lon, lat, fontsize=9 if zoomed else 8.5, colour=SEAT_COLOUR, gap=gap, force=zoomed)
    if zoomed:
        # Name the towns of the chosen services, then of the services shown, where there is room.
        towns = []
        for frame, gap in ((chosen, 11), (services, 6)):
            if len(frame) and "town" in frame:
                for town, rows in frame.groupby(frame["town"].astype(str), sort=False):
                    ring = float(rows["_ring"].max()) if spread and "_ring" in rows else 0.0
                    towns.append((town, float(rows["lon"].mean()), float(rows["lat"].mean()), gap + ring))
        seen = {case_town} | seat_names
        for town, lon, lat, gap in towns:
            if town in seen:
                continue
            seen.add(town)
            if lon_min < lon < lon_max and lat_min < lat < lat_max:
                labeller.place(town, lon, lat, fontsize=8, colour="#555555", gap=gap)
    if shared_line_visible(extent, outline_path):  # its legend only where the line is on the map
        other_handles.append(Line2D([], [], color=LAND_EDGE, linewidth=1.1, linestyle=(0, (4, 3)),
                                    label=M("dashed", lang)))

    # Legends, stacked in the right-hand column: what is on the map, then the services.
    for handle in other_handles + service_handles:
        handle.set_label(textwrap.fill(handle.get_label(), LEGEND_WRAP))
    first = legend_ax.legend(handles=other_handles, loc="upper left", title=M("legend_map", lang), fontsize=8.5,
                             title_fontsize=9.5, frameon=False, alignment="left", borderaxespad=0)
    legend_ax.add_artist(first)
    if service_handles and services_ax is not None:
        services_ax.legend(handles=service_handles, loc="upper left", title=M("legend_services", lang),
                           fontsize=8.5, title_fontsize=9.5, frameon=False, alignment="left", borderaxespad=0)
    elif service_handles:
        canvas = FigureCanvasAgg(fig)
        box = first.get_window_extent(canvas.get_renderer()).transformed(legend_ax.transAxes.inverted())
        legend_ax.legend(handles=service_handles, loc="upper left", title=M("legend_services", lang),
                         fontsize=8.5, title_fontsize=9.5, frameon=False, alignment="left", borderaxespad=0,
                         bbox_to_anchor=(0, box.y0 - 0.04))

    if title is None:
        if case is not None:
            name = " ".join(str(case.get(k, "")) for k in ("first_name", "last_name")).strip() or str(case.get("case_id", ""))
            title = M("title_case", lang, name=name, town=case.get("town", ""))
        elif zoom_region and regions is not None and f"name_{lang}" in regions \
                and (regions["region_id"] == zoom_region).any():
            region_name = regions.loc[regions["region_id"] == zoom_region, f"name_{lang}"].iloc[0]
            title = M("title_region", lang, region=region_name, n=len(services))
        else:
            title = M("title_all", lang, n=len(services))
    below = legend == "below"
    fig.text(0.015 if below else 0.01, 0.975 if below else 0.965, title, fontsize=12 if below else 13,
             fontweight="bold", ha="left", va="center")
    disclaimer = textwrap.fill(M("disclaimer", lang), 92 if below else 120)
    fig.text(0.015 if below else 0.01, 0.045 if below else 0.055, disclaimer, fontsize=7.5, ha="left", va="center",
             color="#333333", style="italic", gid="disclaimer")
    fig.text(0.015 if below else 0.01, 0.014 if below else 0.018, M("synthetic", lang), fontsize=7.5, ha="left",
             va="center", color="#333333")
    fig.alt_text = alt_text(services, case, chosen, lang)  # a text alternative for screen readers
    return fig


def alt_text(services, case, chosen, lang: str | None = None) -> str:
    services = _as_frame(services)
    chosen = _as_frame(chosen)
    extra = M.n("alt_case", len(chosen), lang, town=case.get("town", "")) if case is not None else ""
    return M("alt", lang, n=len(services), case=extra)


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes; the figure is closed afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def figure_texts(fig: Figure) -> list[str]:
    """Every text drawn on a figure (titles, labels, legend entries): for tests and alt text."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
