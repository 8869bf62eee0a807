"""Where the course's files live.

The package is used from a checkout of the course repository (installed in
editable mode), so the data sit next to it in ``<repo>/datasets``. The
``REINTEGRA_DATA_DIR`` environment variable points the whole package at another
folder, for instance the large benchmark set in ``_build/large`` or an
organisation's own data package.
"""
from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "REINTEGRA_DATA_DIR"


def repo_root() -> Path:
    """The root of the course repository (the folder holding ``pyproject.toml``).

    ``REINTEGRA_ROOT`` overrides it (the tests build copies of the book).
    """
    override = os.environ.get("REINTEGRA_ROOT")
    if override:
        return Path(override).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "widgets").is_dir():
            return parent
    # Installed without a checkout: fall back to the layout widgets/reintegra/paths.py.
    return here.parents[2]


def datasets_dir() -> Path:
    """The data package in use: ``$REINTEGRA_DATA_DIR`` if set, else ``<repo>/datasets``."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return repo_root() / "datasets"


def reference_datasets_dir() -> Path:
    """The committed data package, whatever ``REINTEGRA_DATA_DIR`` says."""
    return repo_root() / "datasets"
