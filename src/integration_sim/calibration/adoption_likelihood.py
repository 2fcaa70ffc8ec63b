"""A likelihood for adoption counts that stays honest for small cohorts.

Adoption data (cumulative adopters of a behaviour by period and locality) are
usually a *census*: every eligible practitioner is observed. The randomness in
them is the model's own (which practitioners happen to adopt when), so it must
enter the likelihood once, not once by simulation and again as a binomial
"sample" around one simulated place. And in a community of 20 one simulated run
often has no adopter in a month when the data have two: taking that run's
hazard (0) as exact gives a log-likelihood of about -20 per observed adopter,
and an empty at-risk group had to be floored at -1e4, which is what made
ABC-SMC start at temperatures of 1e5 and stall.

Here, for each period of each locality (one row of kind ``adoption``):

- the simulated hazard is *pooled* over ``R`` replicate runs of the same
  parameters: ``a`` new adopters among ``n`` practitioners at risk, summed over
  the runs, with a stated Jeffreys prior Beta(1/2, 1/2), so the hazard is
  uncertain as Beta(a + 1/2, n - a + 1/2) (mean ``m``, spread shrinking as 1/n);
- a fittable **overdispersion** ``rho`` (intra-class correlation, 0-1) widens
  that Beta: the hazard a real community experiences in a period varies around
  the model's mean hazard (contagion clusters adoption). Variances combine as
  ``1 / (c + 1) = 1 - (1 - 1 / (n + 2)) (1 - rho)`` for the concentration ``c``;
- the observed new adopters ``k`` among the ``N`` observed at risk are
  beta-binomial(N, m c, (1 - m) c): the binomial part is the model's own
  randomness of who adopts given the hazard (a discrete-time hazard model),
  not measurement noise;
- a fittable **locality random effect** ``tau`` (sd on the logit scale) shifts
  every hazard of one locality by the same ``u ~ normal(0, tau)``: communities
  that differ persistently from the model's mean. ``u`` is integrated out by
  Gauss-Hermite quadrature (:data:`NODES` nodes), so periods of one locality
  are dependent and localities independent.
"""

from __future__ import annotations

import numpy as np
from scipy import special

JEFFREYS = 0.5
"""Prior Beta(1/2, 1/2) pseudo-counts for the pooled simulated hazard."""

NODES = 24
"""Gauss-Hermite nodes for integrating a locality's random effect."""

_X, _W = np.polynomial.hermite.hermgauss(NODES)
_LOG_W = np.log(_W / np.sqrt(np.pi))


def concentration(n_pooled: np.ndarray, overdispersion: float) -> np.ndarray:
    """Beta concentration of the hazard: pooled-estimate spread plus overdispersion ``rho``."""
    spread = 1.0 - (1.0 - 1.0 / (np.asarray(n_pooled, float) + 2.0)) * (1.0 - overdispersion)
    return 1.0 / spread - 1.0


def _betabinom_logpmf(k: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log BetaBinomial(k | n, a, b), vectorised over broadcast arrays (faster than scipy.stats)."""
    return (
        special.gammaln(n + 1)
        - special.gammaln(k + 1)
        - special.gammaln(n - k + 1)
        + special.betaln(k + a, n - k + b)
        - special.betaln(a, b)
    )


def group_log_likelihood(
    observed_new: np.ndarray,
    observed_at_risk: np.ndarray,
    simulated_new: np.ndarray,
    simulated_at_risk: np.ndarray,
    overdispersion: float = 0.0,
    locality_sd: float = 0.0,
) -> float:
    """Log-likelihood of one locality's adoption periods (arrays over its periods).

    ``simulated_*`` are pooled over the replicate runs; ``observed_*`` are the
    data (new adopters within each period, practitioners at risk at its start).
    """
    k, big_n = np.asarray(observed_new, float), np.asarray(observed_at_risk, float)
    a, n = np.asarray(simulated_new, float), np.asarray(simulated_at_risk, float)
    mean = (a + JEFFREYS) / (n + 2 * JEFFREYS)
    conc = concentration(n, overdispersion)
    if locality_sd <= 0:
        return float(_betabinom_logpmf(k, big_n, mean * conc, (1 - mean) * conc).sum())
    shifted = special.expit(special.logit(mean)[None, :] + locality_sd * np.sqrt(2) * _X[:, None])
    shifted = np.clip(shifted, 1e-12, 1 - 1e-12)
    per_node = _betabinom_logpmf(k, big_n, shifted * conc, (1 - shifted) * conc).sum(axis=1)
    return float(special.logsumexp(per_node + _LOG_W))


def saturated_log_likelihood(observed_new: np.ndarray, observed_at_risk: np.ndarray) -> float:
    """An upper bound for normalising: binomial at the observed hazards (no extra spread)."""
    k, n = np.asarray(observed_new, float), np.asarray(observed_at_risk, float)
    p = np.clip(k / np.maximum(n, 1), 1e-12, 1 - 1e-12)
    return float(
        (
            special.gammaln(n + 1)
            - special.gammaln(k + 1)
            - special.gammaln(n - k + 1)
            + k * np.log(p)
            + (n - k) * np.log1p(-p)
        ).sum()
    )
