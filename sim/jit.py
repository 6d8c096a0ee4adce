"""Kernels compiled on first use, so that reading a rule's schema does not import numba.

A rule's file holds its schema, its wrapper and its njit kernels side by side, and
``buzz validate`` reads the schemas of every rule: with :func:`njit` below, defining a
kernel only records it. The first call of any kernel imports numba, swaps every
kernel in the modules it can see for its numba dispatcher (so that kernels calling
kernels compile against dispatchers, as they would under ``numba.njit``), and calls
it. From then on the module's names are plain numba dispatchers: no proxy stands in
a hot path. Options are numba's (``cache=True``, ``inline="always"``, ...), and the
on-disk cache works as with ``numba.njit``.

Examples
--------
>>> @njit
... def twice(x):
...     return 2 * x
>>> twice(21)
42
"""

from __future__ import annotations

import sys
from typing import Any

_resolving = False


class LazyKernel:
    """An njit function whose numba dispatcher is made at its first call."""

    def __init__(self, py_func, options: dict[str, Any]) -> None:
        self.py_func = py_func
        self.options = options
        self._dispatcher = None
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__module__ = py_func.__module__
        self.__doc__ = py_func.__doc__
        self.__wrapped__ = py_func

    def compiled(self):
        """The numba dispatcher of this kernel (made, not yet compiled, on first use)."""
        if self._dispatcher is None:
            import numba

            self._dispatcher = numba.njit(**self.options)(self.py_func)
            resolve_all()
        return self._dispatcher

    def __call__(self, *args):
        return self.compiled()(*args)

    def __repr__(self) -> str:
        return f"<kernel {self.__module__}.{self.__qualname__}>"


def njit(func=None, **options):
    """``numba.njit`` deferred to the first call (same options)."""
    if func is None:
        return lambda f: LazyKernel(f, options)
    return LazyKernel(func, options)


def resolve(namespace: dict) -> None:
    """Replace the lazy kernels named in a module's namespace by their dispatchers."""
    for name, value in list(namespace.items()):
        if isinstance(value, LazyKernel):
            namespace[name] = value.compiled()


def resolve_all() -> None:
    """Resolve every loaded module that names a lazy kernel (ours and rule plug-ins').

    A kernel's globals are read when it compiles, after this has run, so a kernel
    that calls another (from any module) calls its dispatcher."""
    global _resolving
    if _resolving:
        return  # a kernel made while resolving: the outer pass covers its module
    _resolving = True
    try:
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if isinstance(namespace, dict) and any(
                isinstance(value, LazyKernel) for value in list(namespace.values())
            ):
                resolve(namespace)
    finally:
        _resolving = False
