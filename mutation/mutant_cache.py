"""A ``functools.cache`` that keeps one cache per mutant (installed only in the mutation copy).

mutmut 3 does not mutate decorated functions, and it forks every mutant's test run from a
process that has already run the suite, so a plain ``functools.cache`` would hand a mutant
the *unmutated* results computed before the fork. ``mutation/uncache.py`` therefore removes
``@cache`` from the copied sources and re-applies this wrapper after each definition (outside
mutmut's trampoline), keyed by the active mutant:

* under a mutant (or the clean run) one cache per mutant name, so each mutant computes its
  own values once and reuses them across its tests, as ``functools.cache`` does;
* during mutmut's stats run one cache per test as well, so every test that needs a cached
  derivation calls it (and is recorded as covering it), not only the first one.

Semantics are otherwise those of ``functools.cache``: hashable arguments, exceptions not
cached. This module is never imported by the package in the repository itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

try:
    from mutmut.mutation.trampoline import get_mutant_under_test
except ImportError:  # pragma: no cover - outside a mutmut run: behave like functools.cache

    def get_mutant_under_test() -> str:
        return ""


def mutant_cache(fn: Callable[..., Any]) -> Callable[..., Any]:
    store: dict[Any, Any] = {}

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mutant = get_mutant_under_test()
        scope = ""
        if mutant == "stats":
            scope = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
        key = (mutant, scope, args, tuple(sorted(kwargs.items())))
        try:
            return store[key]
        except KeyError:
            pass
        value = fn(*args, **kwargs)
        store[key] = value
        return value

    wrapper.cache_clear = store.clear  # type: ignore[attr-defined]
    return wrapper
