"""Real-data subcommands (``adamtheory phase``, ``adamtheory advise``)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add the real-data subcommands to the ``adamtheory`` parser (none yet).

    Each subcommand sets ``run_command`` (``args -> exit status``) with ``set_defaults``; a
    module-level ``FIGURE_GROUPS`` dict (group -> ``write(args)``) adds groups to
    ``adamtheory figures``."""
