"""Modules imported on first use.

``pd = lazy_module("pandas")`` at the top of a module, then ``pd.DataFrame``
inside a function: pandas is imported the first time a function uses it, not
when the module is imported. The exercises that never touch a table (the
case assessment) then start without pandas, which takes seconds to import in
the reader's browser (Pyodide); on a server it changes nothing but the moment.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class _LazyModule:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attribute: str):
        return getattr(self._module(), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_module(name: str):
    """A stand-in for the module ``name`` that imports it when one of its attributes is first read."""
    return _LazyModule(name)
