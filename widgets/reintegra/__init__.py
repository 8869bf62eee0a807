"""reintegra: the code of the course on the integrated approach to reintegration.

Domain logic (the assessment instrument and its scoring, referral matching, the
synthetic data, the message catalogue) lives in plain modules that never import
ipywidgets; the interactive exercises in :mod:`reintegra.ui` are thin views on it.
"""
__version__ = "0.1.0"

import sys as _sys

if _sys.platform == "emscripten":  # the exercises in the reader's browser (Pyodide)
    from .lite.browser import configure as _configure

    _configure()
