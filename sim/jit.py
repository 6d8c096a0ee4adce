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

import inspect
import sys
import threading
from typing import Any

_resolving = False
# threads that call their first kernels at once (a batch's blocks of replications) wait
# until every kernel is resolved, instead of compiling against lazy kernels
_resolve_lock = threading.RLock()
_dispatchers: list[TypeDispatch] = []


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
        with _resolve_lock:
            if self._dispatcher is None:
                import numba

                self._dispatcher = numba.njit(**self.options)(self.py_func)
                resolve_all()
        return self._dispatcher

    def __call__(self, *args):
        return self.compiled()(*args)

    def __repr__(self) -> str:
        return f"<kernel {self.__module__}.{self.__qualname__}>"


class TypeDispatch:
    """A kernel whose body is chosen, when numba compiles a caller, by the class of one
    of its arguments (a named tuple): one shared driver calls ``transition(...,
    params, ...)`` and gets each rule's own transition, with no function passed as an
    argument (numba never caches a function that takes another as an argument).

    ``stub`` is a plain function with the common signature; implementations, plain
    functions with the same signature, are added with :meth:`register`. Called from
    Python, the stub runs the registered implementation as plain Python.

    Examples
    --------
    >>> from typing import NamedTuple
    >>> class Twice(NamedTuple):
    ...     factor: int
    >>> def scale(params, x):
    ...     return SCALE.implementation(params)(params, x)
    >>> SCALE = TypeDispatch(scale, "params", cache=False)  # cache=True in real modules
    >>> @SCALE.register(Twice)
    ... def _(params, x):
    ...     return params.factor * x
    >>> @njit
    ... def use(params, x):
    ...     return scale(params, x)
    >>> use(Twice(2), 21)
    42
    """

    def __init__(self, stub, argument: str, default=None, *, cache: bool = True) -> None:
        self.stub = stub
        self.argument = argument
        self.default = default
        self.cache = cache
        self.table: dict[type, Any] = {}
        self._installed = False
        _dispatchers.append(self)

    def register(self, params_class: type):
        """Decorator: the implementation for arguments of class ``params_class``."""

        def decorate(implementation):
            function = getattr(implementation, "py_func", implementation)
            names, wanted = (
                list(inspect.signature(f).parameters) for f in (function, self.stub)
            )
            if names != wanted:  # numba requires the stub's argument names
                raise TypeError(
                    f"{function.__qualname__} must take ({', '.join(wanted)}), "
                    f"the arguments of {self.stub.__name__}; it takes ({', '.join(names)})"
                )
            self.table[params_class] = function
            return implementation

        return decorate

    def implementation(self, params: Any):
        """The implementation registered for ``type(params)`` (or the default)."""
        found = self.table.get(type(params), self.default)
        if found is None:
            raise TypeError(f"{self.stub.__name__}: nothing registered for {type(params)}")
        return found

    def install(self) -> None:
        """Tell numba how to compile calls of the stub (done once numba is imported)."""
        if self._installed:
            return
        from numba.extending import overload

        signature = inspect.signature(self.stub)
        position = list(signature.parameters).index(self.argument)

        def typer_for(ours: bool):
            def typer(*types):
                chosen = getattr(types[position], "instance_class", None)
                if chosen is None or is_ours(chosen) != ours:
                    return None
                return self.table.get(chosen, self.default)

            typer.__signature__ = signature
            return typer

        # numba keeps one cache index per function, naming every class it compiled
        # for; a process without a plug-in cannot read an index that names the
        # plug-in's class (numba fails rather than recompiles), so only buzz's own
        # classes are cached
        overload(self.stub, jit_options={"cache": self.cache})(typer_for(True))
        overload(self.stub, jit_options={"cache": False})(typer_for(False))
        self._installed = True


def is_ours(cls: type) -> bool:
    """Whether ``cls`` is buzz's own (defined in the ``sim`` package)."""
    return cls.__module__ == "sim" or cls.__module__.startswith("sim.")


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
        for dispatcher in _dispatchers:
            dispatcher.install()
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if isinstance(namespace, dict) and any(
                isinstance(value, LazyKernel) for value in list(namespace.values())
            ):
                resolve(namespace)
    finally:
        _resolving = False
