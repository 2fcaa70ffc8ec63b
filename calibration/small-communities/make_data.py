"""Write the SYNTHETIC adoption data of calibration/small-communities/ from the values in truth.json.

    python calibration/small-communities/make_data.py

Census counts (every eligible practitioner counted) of joint assessment by
month (4-week periods) in four communities of 20-60 practitioners, simulated
with the true values, exactly as `calibrate` will see real programme records.
"""

from __future__ import annotations

import json
from pathlib import Path

from integration_sim.calibration.adoption import simulate_adoption
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    truth = json.loads((HERE / "truth.json").read_text(encoding="utf-8"))
    scenario = apply_overrides(load_scenario(HERE / "scenario.yaml"), truth["parameters"])
    data = simulate_adoption(scenario, "joint_assessment", 4, seed=truth["seed"])
    data.to_csv(HERE / "adoption.csv", index=False)
    print(f"wrote {HERE / 'adoption.csv'} ({len(data)} rows)")
