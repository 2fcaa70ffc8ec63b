"""Calibration from Pinpoint measurements.

Modules, one concept each:

- :mod:`.measurements`: the measurement CSV format, validation and collation;
- :mod:`.observation`: observation models (the measured statistic computed from
  a simulation's tallies) and their likelihoods;
- :mod:`.plan`: simulating what a planned measurement programme would observe;
- :mod:`.adoption`: observed adoption times turned into measurements;
- :mod:`.config`: the calibration config file;
- :mod:`.abc`: the ABC-SMC driver (pyabc);
- :mod:`.posterior`: posterior files, summaries and weighted draws;
- :mod:`.diagnostics` and :mod:`.report`: charts and HTML pages.

See docs/calibration.md and docs/measurement-format.md.
"""
