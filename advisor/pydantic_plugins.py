"""No pydantic plugins in advisor: pydantic's plugin loader is replaced before any model is built.

pydantic looks for plugins (``pydantic.plugin._loader.get_plugins``) when it builds the first
validator: it imports ``importlib.metadata`` (with ``email``, ``zipfile`` and more) and reads the
entry points of every installed distribution. advisor uses no plugin, and must not load one: a
plugin sees every value validated (every profile), and the tool promises to send nothing anywhere.
Loading none is what pydantic itself does under ``PYDANTIC_DISABLE_PLUGINS=__all__``; doing it
here also skips the import and the scan, about 4% of the instructions of ``advisor batch``'s
start-up (callgrind, 1.37 G → 1.31 G for one company).

Importing this module puts ``_NoPlugins`` in ``sys.modules`` under the loader's name, unless
the real loader is already imported. Anything else pydantic may ask of its loader (a later
version) is taken from the real module, loaded then under its own name.
"""

from __future__ import annotations

import sys
from functools import cache
from types import ModuleType
from typing import Any

LOADER = "pydantic.plugin._loader"


class _NoPlugins(ModuleType):
    """Stands for ``pydantic.plugin._loader``: ``get_plugins`` finds none."""

    @staticmethod
    def get_plugins() -> tuple[()]:
        return ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real_loader(), name)


@cache
def _real_loader() -> ModuleType:
    """pydantic's own loader module, executed apart from ``sys.modules`` (where this stub stays)."""
    import importlib.machinery
    import importlib.util

    import pydantic.plugin

    spec = importlib.machinery.PathFinder.find_spec(LOADER, list(pydantic.plugin.__path__))
    if spec is None or spec.loader is None:
        raise AttributeError(LOADER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if LOADER not in sys.modules:
    sys.modules[LOADER] = _NoPlugins(LOADER)
