"""Rewrite ``@cache``-decorated functions of a *copy* of the sources for mutmut 3.

Usage: ``python mutation/uncache.py COPY_ROOT FILE...`` (paths relative to COPY_ROOT).

mutmut 3 skips decorated functions, and most of ``adamtheory/theory/`` is ``@cache``d SymPy
derivations. In each file this turns::

    @cache
    def f(...):
        ...

into::

    def f(...):
        ...
    f = _mutmut_cache(f)  # re-applied outside mutmut's trampoline

with ``_mutmut_cache`` = :func:`adamtheory._mutation_cache.mutant_cache` (a per-mutant
``functools.cache``; see ``mutation/mutant_cache.py``), so the functions are mutated and each
mutant sees its own cached values. Refuses to run on the repository itself (a ``.git``
directory in COPY_ROOT): the shared tree is never rewritten.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

HELPER_IMPORT = "from adamtheory._mutation_cache import mutant_cache as _mutmut_cache\n"


def rewrite(source: str) -> tuple[str, list[str]]:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    drop: set[int] = set()  # 0-based line numbers of the @cache decorators
    after: dict[int, str] = {}  # 0-based last line of a function -> its re-wrapping line
    names = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = node.decorator_list
        if (
            len(decorators) == 1
            and isinstance(decorators[0], ast.Name)
            and decorators[0].id == "cache"
        ):
            if decorators[0].end_lineno != decorators[0].lineno:  # pragma: no cover
                raise ValueError(f"multi-line @cache on {node.name}")
            drop.add(decorators[0].lineno - 1)
            after[node.end_lineno - 1] = f"{node.name} = _mutmut_cache({node.name})\n"
            names.append(node.name)
        elif any(isinstance(d, ast.Name) and d.id == "cache" for d in decorators):
            raise ValueError(f"{node.name}: @cache combined with other decorators")
    if not names:
        return source, names
    out = []
    for i, line in enumerate(lines):
        if i in drop:
            continue
        out.append(line)
        if i in after:
            if not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.append(after[i])
    # the helper import goes after the module docstring and ``from __future__`` imports
    insert_at = 0
    for node in tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ) or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            insert_at = node.end_lineno
        else:
            break
    removed_before = sum(1 for d in drop if d < insert_at)
    out.insert(insert_at - removed_before, HELPER_IMPORT)
    return "".join(out), names


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve()
    if (root / ".git").exists():
        print(f"uncache.py: {root} has a .git: refusing to rewrite a repository", file=sys.stderr)
        return 2
    total = 0
    for rel in argv[2:]:
        path = root / rel
        new, names = rewrite(path.read_text("utf-8"))
        if names:
            path.write_text(new, "utf-8")
            total += len(names)
    print(f"uncache.py: re-wrapped {total} @cache functions in {len(argv) - 2} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
