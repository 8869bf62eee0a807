"""Geometry for the synthetic data and the loader: is a point inside Morocco?

"Inside Morocco" means inside the union of the two Natural Earth features
"Morocco" and "W. Sahara" of ``datasets/maghreb-50m.geojson`` (1:50m scale).
The course draws them with the same fill and a dashed shared line, with the map
disclaimer (see the data card). At that scale the coastline is simplified, so a
real coastal point can fall a few kilometres out at sea: the reference towns were
checked against this outline (Tarfaya and Dakhla moved 1–4 km inland), and the check of
a trainer's file accepts points up to 10 km outside it (:func:`in_morocco_tolerant`).
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..paths import datasets_dir, reference_datasets_dir

OUTLINE_FILE = "maghreb-50m.geojson"
MOROCCO_FEATURES = ("Morocco", "W. Sahara")
# A generous box around Morocco and W. Sahara (lat_min, lat_max, lon_min, lon_max).
MOROCCO_BBOX = (20.7, 36.0, -17.2, -0.9)
EARTH_RADIUS_KM = 6371.0088


def outline_path() -> Path:
    """The outline file of the data package in use (falls back on the committed one)."""
    for folder in (datasets_dir(), reference_datasets_dir()):
        path = folder / OUTLINE_FILE
        if path.is_file():
            return path
    return reference_datasets_dir() / OUTLINE_FILE


@lru_cache(maxsize=4)
def _load_outline(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_outline(path: str | Path | None = None) -> dict:
    """The GeoJSON FeatureCollection of Morocco and its neighbours."""
    return _load_outline(str(path or outline_path()))


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unexpected geometry {geometry['type']}")


@lru_cache(maxsize=4)
def _morocco_rings(path: str) -> tuple[tuple[np.ndarray, ...], ...]:
    outline = _load_outline(path)
    polygons = []
    for feature in outline["features"]:
        if feature["properties"].get("name") in MOROCCO_FEATURES:
            for polygon in _polygons(feature["geometry"]):
                polygons.append(tuple(np.asarray(ring, dtype=float) for ring in polygon))
    if not polygons:
        raise ValueError("the outline file holds no Morocco / W. Sahara feature")
    return tuple(polygons)


def morocco_polygons(path: str | Path | None = None) -> tuple[tuple[np.ndarray, ...], ...]:
    """Polygons (outer ring first, then holes) as arrays of (lon, lat) vertices."""
    return _morocco_rings(str(path or outline_path()))


def _inside_ring(lon: np.ndarray, lat: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd ray casting, vectorised over the points, looped over the edges."""
    inside = np.zeros(lon.shape, dtype=bool)
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    for ax, ay, bx, by in zip(x1, y1, x2, y2):
        crosses = (ay > lat) != (by > lat)
        if not crosses.any():
            continue
        x_at = ax + (lat - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (lon < x_at)
    return inside


def in_morocco(lat, lon, path: str | Path | None = None):
    """True where (lat, lon) lies inside Morocco ∪ W. Sahara. Scalars or arrays; NaN → False."""
    scalar = np.ndim(lat) == 0 and np.ndim(lon) == 0
    lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
    lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
    lat_a, lon_a = np.broadcast_arrays(lat_a, lon_a)
    result = np.zeros(lat_a.shape, dtype=bool)
    lat_min, lat_max, lon_min, lon_max = MOROCCO_BBOX
    candidates = (
        np.isfinite(lat_a) & np.isfinite(lon_a)
        & (lat_a >= lat_min) & (lat_a <= lat_max) & (lon_a >= lon_min) & (lon_a <= lon_max)
    )
    if candidates.any():
        la, lo = lat_a[candidates], lon_a[candidates]
        hit = np.zeros(la.shape, dtype=bool)
        for polygon in morocco_polygons(path):
            inside = _inside_ring(lo, la, polygon[0])
            for hole in polygon[1:]:
                inside &= ~_inside_ring(lo, la, hole)
            hit |= inside
        result[candidates] = hit
    return bool(result[0]) if scalar else result


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (scalars or arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_outside_km(lat: float, lon: float, path: str | Path | None = None) -> float:
    """Distance in km from a point to the outline of Morocco ∪ W. Sahara (0 when inside).

    Point-to-segment distance on a local equirectangular projection: accurate to a few
    metres at the distances that matter here (a coastal point just out at sea).
    """
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return math.inf
    if in_morocco(lat, lon, path):
        return 0.0
    k = 111.195  # km per degree of latitude
    kx = k * math.cos(math.radians(lat))
    best = math.inf
    for polygon in morocco_polygons(path):
        ring = polygon[0]
        ax, ay = (ring[:-1, 0] - lon) * kx, (ring[:-1, 1] - lat) * k
        bx, by = (ring[1:, 0] - lon) * kx, (ring[1:, 1] - lat) * k
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = np.clip(-(ax * dx + ay * dy) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
        best = min(best, float(np.sqrt(px * px + py * py).min()))
    return best


COASTAL_TOLERANCE_KM = 10.0


def in_morocco_tolerant(lat, lon, tolerance_km: float = COASTAL_TOLERANCE_KM, path=None):
    """Like :func:`in_morocco`, but also accepts points up to ``tolerance_km`` outside the
    simplified 1:50m outline (a real address in a coastal town, a port, the Dakhla
    peninsula). Used to check a trainer's file; the generator itself stays strictly inside."""
    scalar = np.ndim(lat) == 0 and np.ndim(lon) == 0
    lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
    lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
    inside = np.atleast_1d(in_morocco(lat_a, lon_a, path))
    for i in np.flatnonzero(~inside):
        inside[i] = distance_outside_km(float(lat_a[i]), float(lon_a[i]), path) <= tolerance_km
    return bool(inside[0]) if scalar else inside
