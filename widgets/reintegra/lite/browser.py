"""Set-up of the package when it runs in the reader's browser (Pyodide, JupyterLite).

Called once, by ``import reintegra``, only under Pyodide. The same code as on a
server then runs unchanged:

* the course's data travel inside the wheel built for the browser
  (``reintegra/_course/datasets``): ``REINTEGRA_ROOT`` points there;
* matplotlib's "building the font cache" notice (a logging warning, shown on
  the page by the dashboard) is kept off the page.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

BUNDLED_ROOT = Path(__file__).resolve().parent.parent / "_course"


def configure() -> None:
    if (BUNDLED_ROOT / "datasets").is_dir():
        os.environ.setdefault("REINTEGRA_ROOT", str(BUNDLED_ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
