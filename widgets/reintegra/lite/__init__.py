"""The exercises in the reader's browser: a JupyterLite (Voici) site with a self-hosted Pyodide.

:mod:`.runtime` fetches and verifies Pyodide, :mod:`.site` builds the site,
:mod:`.browser` sets the package up when it runs under Pyodide, :mod:`.serve`
serves the site to a workshop.
"""
from __future__ import annotations

import sys


def build_lite(log=print) -> int:
    """Build ``_build/html/lite`` (called by ``reintegra book``); 0 on success, 1 with a message."""
    import time

    from .runtime import RuntimeError_
    from .site import M, SiteError, build_site

    print(M("building"), flush=True)
    start = time.perf_counter()
    try:
        out = build_site(log=log)
    except (RuntimeError_, SiteError) as exc:
        print(M("failed", reason=exc), file=sys.stderr)
        return 1
    print(M("built", seconds=time.perf_counter() - start, path=out), flush=True)
    return 0
