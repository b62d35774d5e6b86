"""List mutmut 3 mutants of a finished run with their one-line diffs (run from the copy).

Usage: ``python mutation/survivors.py [--status survived,no_tests,...] [PATTERN...]``
in the mutation copy (``$MUTATION_WORKDIR``, default /tmp/mut-src). Reads the ``.meta``
result files and the generated ``mutants/`` sources; prints ``name<TAB>status<TAB>diff``
lines, where diff is the changed source line(s) as ``-old | +new``.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import fnmatch
import json
from pathlib import Path

try:
    from mutmut.stats import status_by_exit_code as STATUS
except ImportError:  # pragma: no cover - mutmut is what wrote the files read here
    STATUS = {0: "survived", 1: "killed", 33: "no tests"}


def _functions(path: Path) -> dict[str, str]:
    source = path.read_text("utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, str] = {}
    for node in tree.body:
        nodes = (
            [node]
            if isinstance(node, ast.FunctionDef)
            else (
                [n for n in node.body if isinstance(n, ast.FunctionDef)]
                if isinstance(node, ast.ClassDef)
                else []
            )
        )
        for fn in nodes:
            if "__mutmut_" in fn.name:
                out[fn.name] = "\n".join(lines[fn.lineno - 1 : fn.end_lineno])
    return out


def _diff(orig: str, orig_name: str, mutant: str, mutant_name: str) -> str:
    a = orig.replace(orig_name, "f").splitlines()
    b = mutant.replace(mutant_name, "f").splitlines()
    lines = [
        ln
        for ln in difflib.unified_diff(a, b, lineterm="", n=0)
        if ln[:1] in "+-" and not ln.startswith(("---", "+++"))
    ]
    return " | ".join(ln[0] + ln[1:].strip() for ln in lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--status", default="survived,no_tests")
    parser.add_argument("patterns", nargs="*", default=["*"])
    args = parser.parse_args()
    wanted = set(args.status.split(","))
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        results = json.loads(meta.read_text())["exit_code_by_key"]
        picked = {k: STATUS.get(v, "suspicious").replace(" ", "_") for k, v in results.items()}
        picked = {k: s for k, s in picked.items() if s in wanted or "all" in wanted}
        picked = {
            k: s for k, s in picked.items() if any(fnmatch.fnmatch(k, p) for p in args.patterns)
        }
        if not picked:
            continue
        funcs = _functions(meta.with_suffix(""))
        for name, status in sorted(picked.items(), key=lambda kv: _order(kv[0])):
            short = name.rsplit(".", 1)[1]
            base = short.rpartition("__mutmut_")[0]
            orig_name = f"{base}__mutmut_orig"
            orig, mutant = funcs.get(orig_name), funcs.get(short)
            diff = _diff(orig, orig_name, mutant, short) if orig and mutant else "?"
            print(f"{name}\t{status}\t{diff}")


def _order(name: str) -> tuple[str, int]:
    base, _, number = name.rpartition("__mutmut_")
    return base, int(number) if number.isdigit() else 0


if __name__ == "__main__":
    main()
