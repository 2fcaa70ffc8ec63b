"""Generate the SYNTHETIC example measurement set in calibration/example/measurements/.

Every number in those files is simulated: the example scenario
(calibration/example/scenario.yaml) is run once with the parameter values in
TRUTH below, and each fictional locator's planned measurements
(calibration/example/plan/*.csv) are drawn through the observation models.
No real organisation or data is involved. Calibrating on them
(calibration/example/config.yaml) should recover TRUTH within its intervals.

Run from the repository root:  python calibration/make_example.py
"""

from __future__ import annotations

import json
from pathlib import Path

from integration_sim.calibration.measurements import write_measurements
from integration_sim.calibration.plan import read_plan, simulate_measurements
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides

HERE = Path(__file__).parent / "example"

TRUTH = {
    "behaviours.trusted_assessment.coefficients.intercept": -5.0,
    "behaviours.joint_assessment.coefficients.intercept": -4.25,
}
"""The parameter values the synthetic measurements are simulated from."""

SEED = 20240401


def main() -> None:
    """Simulate every locator's plan and write one measurement file per locator."""
    scenario = apply_overrides(load_scenario(HERE / "scenario.yaml"), TRUTH)
    out_dir = HERE / "measurements"
    out_dir.mkdir(exist_ok=True)
    plans = sorted((HERE / "plan").glob("*.csv"))
    plan = read_plan(plans, scenario)
    measured, truth = simulate_measurements(scenario, plan, seed=SEED)
    for source, part in measured.groupby("source_file", sort=True):
        write_measurements(part, out_dir / Path(source).name)
    (HERE / "truth.json").write_text(
        json.dumps(
            {
                "note": "SYNTHETIC: parameter values the example measurements were simulated from",
                "seed": SEED,
                "parameters": TRUTH,
                "true_statistics": dict(
                    zip(truth["measurement_id"], truth["true_value"].round(4), strict=True)
                ),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(
        f"wrote {len(measured)} synthetic measurements for {measured['locator'].nunique()} locators "
        f"into {out_dir}"
    )


if __name__ == "__main__":
    main()
