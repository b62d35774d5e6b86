import os
from pathlib import Path

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


# The inner loop is ``pytest -m "not slow"`` (well under a minute on 2 cores); the README's test
# command runs everything. Whole modules that build the docs, execute notebooks, drive a
# browser or run the registry's claims are slow; so are these tests (each over ~0.5 s: real
# claim runs, sweeps, subprocesses, coverage simulations).
SLOW_MODULES = {
    "test_docs.py",
    "test_notebooks.py",
    "test_report_browser.py",
    "test_o2nc_ablate.py",
    "test_user_claims.py",
}
SLOW_TESTS = {
    "test_o2nc_lemma31.py::test_claim_quick_passes_and_detects_a_2x_optimistic_lemma",
    "test_claims.py::test_claim_is_reproducible",
    "test_claims.py::test_claim_passes_and_control_fires",
    "test_claims_reported.py::test_verify_counts_reported_and_exits_0",
    "test_cli.py::test_figures_only_o2nc_saves_the_gallery_claims_figures",
    "test_cli.py::test_module_entry_point",
    "test_cli.py::test_region_command_writes_figure_json_and_netcdf",
    "test_cli_frictions.py::test_ctrl_c_in_a_subprocess",
    "test_cli_frictions.py::test_cupy_without_cupy_in_a_subprocess",
    "test_cli_frictions.py::test_region_json_with_and_without_file",
    "test_cli_frictions.py::test_verify_table_fits_100_columns_in_a_subprocess",
    "test_cuda_sweep.py::test_device_code_compiles_with_nvcc",
    "test_divergence_kernels.py::test_sweep_numba_bit_identical_to_reference",
    "test_divergence_kernels.py::test_sweep_reference_matches_runner_long_horizon",
    "test_figures_quality.py::test_every_claim_figure_uses_one_width_and_the_palette",
    "test_figures_quality.py::test_no_nan_is_drawn_and_each_is_noted",
    "test_figures_quality.py::test_report_figure_is_a_300_dpi_png_carrying_svg_and_pdf",
    "test_figures_quality.py::test_save_figure_writes_300_dpi_png_pdf_and_svg",
    "test_figures_quality.py::test_saved_bytes_are_reproducible_and_the_layout_engine_is_restored",
    "test_gallery.py::test_gallery_figure_is_the_claims_figure",
    "test_layers.py::test_importing_adamtheory_is_light",
    "test_layers.py::test_importing_the_claims_does_not_import_matplotlib",
    "test_own_problem.py::test_agreement_with_drift_prediction_is_high_and_control_fails",
    "test_own_problem.py::test_no_fit_gives_no_prediction_and_figures_draw",
    "test_own_problem.py::test_wrapped_counterexample_equals_builtin_sweep_bit_for_bit",
    "test_properties.py::test_batched_run_equals_per_trajectory_runs",
    "test_properties.py::test_eps0_adam_invariant_to_positive_gradient_scaling",
    "test_report.py::test_claim_figures_draw_from_json_values",
    "test_report.py::test_report_counts_failures_and_survives_a_broken_figure",
    "test_report.py::test_results_json_records_what_the_report_shows",
    "test_report.py::test_second_run_reuses_the_cache_and_force_recomputes",
    "test_repository.py::test_readme_library_example_runs",
    "test_rules.py::test_bca_interval_of_the_mean_has_nominal_coverage_on_skewed_data",
    "test_rules.py::test_bca_pairs_bootstrap_of_a_slope_has_nominal_coverage",
    "test_rules.py::test_clopper_pearson_interval_covers_at_least_nominally",
    "test_rules.py::test_paired_bca_interval_of_a_ratio_has_nominal_coverage",
    "test_rules.py::test_proportion_rule_size_at_the_predicted_fraction",
    "test_rules.py::test_slope_rule_size_at_the_predicted_exponent",
    "test_rules.py::test_t_interval_of_a_slope_has_nominal_coverage",
    "test_user_o2nc.py::test_plan_run_meets_its_bound_and_is_reproducible",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = Path(str(item.fspath)).name
        name = f"{module}::{item.originalname or item.name}"
        if module in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
