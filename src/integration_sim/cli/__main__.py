"""``python -m integration_sim.cli``: the same as the ``integration-sim`` command."""

from integration_sim.cli import run_command

run_command()
