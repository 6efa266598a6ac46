"""Lazy package attributes (PEP 562) shared by the packages that defer heavy imports.

``flowdesk`` and ``flowdesk.sim`` both expose public names whose modules pull
in pandas, plotly or numba; resolving them on first use keeps the package
import cheap. This module imports nothing heavy so it is safe to use from any
package ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, namespace: dict[str, Any], mapping: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Build a package's module-level ``__getattr__`` and ``__dir__``.

    Parameters
    ----------
    package : str
        Dotted name of the package, used in the ``AttributeError`` message so
        it reads like Python's own (``module 'flowdesk' has no attribute ...``).
    namespace : dict
        The package's ``globals()``: a resolved value is stored there so that
        later lookups bypass ``__getattr__`` entirely.
    mapping : Mapping[str, str]
        Public name -> dotted name of the module that defines it.

    Returns
    -------
    getattr_ : callable
        ``__getattr__(name)`` that imports the defining module on first use.
    dir_ : callable
        ``__dir__()`` listing the loaded globals and the lazy names together.
    """

    def getattr_(name: str) -> Any:
        module = mapping.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(mapping))

    return getattr_, dir_
