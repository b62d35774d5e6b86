"""Atomic file writes: a temporary file in the target's directory, then ``os.replace``.

An interrupt (KeyboardInterrupt included) or a failing write never leaves a 0-byte or
half-written target: the target is either its previous content or the complete new one, and
the temporary file is removed. The new file gets the usual permissions (0o666 less the umask),
like :meth:`pathlib.Path.write_text`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (same directory, fsync, ``os.replace``); the path."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes; got {type(data).__name__}")
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:  # includes KeyboardInterrupt: never leave a partial file behind
        tmp.unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` (encoded with ``encoding``) to ``path`` atomically; the path."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    return atomic_write_bytes(path, text.encode(encoding))
