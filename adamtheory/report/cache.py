"""On-disk cache of claim results: one JSON file per result, written atomically.

A result is reused only when its *key* matches exactly. The key holds the claim's description
(id, statement, rule, control), the profile, the root seed, the requested and resolved
backends, the package version, the versions of the numerical dependencies, and a SHA-256 of
the package's own source files, so that editing any module invalidates every cached result
even without a version bump. Each file is written to a temporary name and renamed into place
as soon as its claim finishes: an interrupted run leaves only whole files behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import atomic_write_text

__all__ = ["FORMAT", "ResultCache", "cache_key", "default_cache_dir", "source_digest"]

FORMAT = 1  # bump when the stored layout changes: older files then stop matching
_PACKAGE = Path(__file__).resolve().parents[1]
_KEY_VERSIONS = ("python", "adamtheory", "numpy", "scipy", "sympy", "numba", "cupy")


def default_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """The default cache directory.

    ``$ADAMTHEORY_CACHE_DIR``, else ``$XDG_CACHE_HOME/adamtheory``, else
    ``~/.cache/adamtheory``.
    """
    env = os.environ if environ is None else environ
    if env.get("ADAMTHEORY_CACHE_DIR"):
        return Path(env["ADAMTHEORY_CACHE_DIR"]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "adamtheory"
    return Path.home() / ".cache" / "adamtheory"


def source_digest(package_dir: Path | None = None) -> str:
    """SHA-256 over the package's ``.py`` files (relative path and bytes, in sorted order)."""
    root = _PACKAGE if package_dir is None else Path(package_dir)
    if not root.is_dir():
        raise ValueError(f"package_dir must be a directory; got {root}")
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_key(
    description: dict[str, Any],
    *,
    profile: str,
    seed: int,
    backend: dict[str, Any],
    environment: dict[str, Any],
    source: str,
) -> dict[str, Any]:
    """Everything a cached result must agree on to be reused (a JSON-able dict).

    Parameters
    ----------
    description : dict
        ``Claim.describe()``: id, statement, source, provenance, rule, negative control and
        whether the claim is reported (not pass/fail).
    profile, seed
        The run's profile and root seed.
    backend : dict
        Requested and resolved backends (array and sweep backends).
    environment : dict
        Versions as recorded by :func:`adamtheory.kernels.environment`; only the package's
        and the numerical dependencies' versions enter the key.
    source : str
        :func:`source_digest` of the package.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return {
        "format": FORMAT,
        "claim": dict(description),
        "profile": str(profile),
        "seed": seed,
        "backend": dict(backend),
        "versions": {k: environment[k] for k in _KEY_VERSIONS if k in environment},
        "source": str(source),
    }


def _digest(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class ResultCache:
    """A directory of cached claim results (``<directory>/results/<id>-...-<digest>.json``)."""

    directory: Path

    def path(self, key: dict[str, Any]) -> Path:
        """The file that holds (or will hold) the result for ``key``."""
        claim = re.sub(r"[^A-Za-z0-9_.-]", "_", str(key["claim"]["id"]))
        name = f"{claim}-{key['profile']}-seed{key['seed']}-{_digest(key)[:20]}.json"
        return Path(self.directory) / "results" / name

    def load(self, key: dict[str, Any]) -> dict[str, Any] | None:
        """The cached result (``ClaimResult.to_json`` form) for ``key``, or ``None``.

        A missing, unreadable, truncated or mismatching file is treated as absent (the caller
        recomputes and overwrites it).
        """
        from ..claims.base import ClaimResult

        try:
            stored = json.loads(self.path(key).read_text(encoding="utf-8"))
            if stored["digest"] != _digest(key) or stored["key"] != key:
                return None
            result = stored["result"]
            ClaimResult.from_json(result)  # the stored result is complete
            if result["id"] != key["claim"]["id"]:
                return None
            return result
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
            return None

    def store(self, key: dict[str, Any], result: dict[str, Any]) -> Path:
        """Write ``result`` for ``key`` atomically (temporary file, then rename); its path."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {"format": FORMAT, "digest": _digest(key), "key": key, "result": result},
            indent=1,
            ensure_ascii=False,
        )
        # temporary file + os.replace: an interrupt never leaves a partial file behind
        return atomic_write_text(target, text)
