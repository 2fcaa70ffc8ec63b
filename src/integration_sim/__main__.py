"""`python -m integration_sim` runs the command line."""

import sys

from integration_sim.cli import main

sys.exit(main())
