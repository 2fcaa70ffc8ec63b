"""``python -m integration_sim.cli``: the same as the ``integration-sim`` command."""

import sys

from integration_sim.cli import main

sys.exit(main())
