import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """No test reads or writes the user's result cache (verify caches by default)."""
    monkeypatch.setenv("ADAMTHEORY_CACHE_DIR", str(tmp_path / "default-cache"))


def _line_figure(values):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot(values["x"], values["y"])
    return fig


@pytest.fixture
def line_figure():
    """A claim figure drawer for report tests: a line through ``values["x"]``, ``values["y"]``."""
    return _line_figure
