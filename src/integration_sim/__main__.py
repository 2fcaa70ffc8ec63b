"""`python -m integration_sim` runs the command line."""

from integration_sim.cli import run_command

run_command()
