"""The parts of a scenario: the place, behaviours, case types, parameters and drivers.

Every model is strict (unknown keys are errors). The whole file is
:class:`integration_sim.config.scenario.Scenario`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from integration_sim.config.base import NonNegative, Share, Strict
from integration_sim.config.strategies import PRIMITIVES

# --------------------------------------------------------------------------- system


class Locality(Strict):
    """A neighbourhood with its own population and demand."""

    name: str
    population: Annotated[int, Field(gt=0, description="residents")] = 50_000
    readiness: Share = Field(0.5, description="baseline leadership commitment and culture (0-1)")
    need: Annotated[float, Field(gt=0, description="demand multiplier (1 = average)")] = 1.0


class OrganisationType(Strict):
    """An organisation type (catalogue entry, overridable per scenario)."""

    label: str = ""
    scope: Literal["system", "locality"] = "locality"
    staff: Annotated[
        int,
        Field(gt=0, description="practitioners per organisation (per locality if system scope)"),
    ] = 10
    turnover: Annotated[
        float, Field(ge=0, lt=1, description="leavers per year as share of staff")
    ] = 0.1
    roles: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"practitioner": 1.0}
    )


class Organisations(Strict):
    """How many organisations of one type the place has."""

    type: str
    count: Annotated[
        int, Field(ge=1, description="per locality (locality scope) or in total (system scope)")
    ] = 1
    staff: Annotated[int, Field(gt=0)] | None = None
    localities: list[str] | Literal["all"] = "all"


class NetworkFile(Strict):
    """A measured practitioner network replacing the generated one."""

    edges: str = Field(
        description="CSV edge list (source, target[, weight, layer]) or GraphML file"
    )
    practitioners: str | None = Field(
        None, description="CSV: id, organisation, role, locality[, organisation_type]"
    )


class System(Strict):
    """The place: localities, organisations, and optionally a measured network."""

    localities: list[Locality]
    organisations: list[Organisations]
    network: NetworkFile | None = None

    @model_validator(mode="after")
    def _unique_localities(self) -> System:
        names = [loc.name for loc in self.localities]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate locality names: {', '.join(dupes)}")
        if not names:
            raise ValueError("at least one locality is needed")
        return self


# ----------------------------------------------------------------------- behaviours


class Coefficients(Strict):
    """Logit-scale coefficients of the COM-B behaviour rule."""

    intercept: float = -4.0
    capability: float = 2.0
    opportunity: float = 2.5
    motivation: float = 2.0
    habit: float = 4.0
    social: float = 2.0


class Behaviour(Strict):
    """One behaviour of the catalogue: who performs it, on which relationship, and how it spreads."""

    label: str = ""
    level: Literal["practitioner", "organisation"] = "practitioner"
    performers: list[str]
    roles: list[str] | None = None
    partners: list[str]
    encounter_rate: Share = 0.5
    contagion: Literal["logistic", "threshold", "additive"] = "logistic"
    threshold: Annotated[int, Field(ge=1)] = 2
    coefficients: Coefficients = Field(default_factory=Coefficients)


class CaseType(Strict):
    """People whose needs cross boundaries; see catalogue/case_types.yaml."""

    rate: NonNegative = 0.1
    needs: list[str]
    behaviours: list[str]
    delay_days: NonNegative = 3.0
    delay_reduction: Share = 0.4
    admission_risk: Share = 0.1
    admission_reduction: Share = 0.2


# ----------------------------------------------------------------------- parameters


class NetworkParameters(Strict):
    """Generated network and tie dynamics (rates per practitioner per week)."""

    team_size: Annotated[int, Field(ge=2)] = 8
    within_organisation_ties: NonNegative = Field(
        3.0, description="extra random ties per practitioner inside the organisation"
    )
    cross_boundary_ties: NonNegative = Field(
        1.0, description="initial ties per practitioner to other organisations in the locality"
    )
    triangle_closure: Share = Field(
        0.0,
        description="chance per practitioner of introducing two of their contacts when the "
        "network is generated (raises clustering; mean degree by up to twice this)",
    )
    tie_formation: Share = Field(
        0.0,
        description="weekly chance of a new cross-boundary tie beyond replacing lost contacts",
    )
    tie_replacement: Share = Field(
        0.2,
        description="weekly chance, per contact short of a post's usual number, of finding a new one",
    )
    spanning_ties: NonNegative = Field(
        1.0,
        description="ties per practitioner of a multi-locality organisation to colleagues "
        "in other localities",
    )
    cross_locality_share: Share = Field(
        0.2,
        description="share of a multi-locality organisation's staff's cross-boundary ties "
        "that are with practitioners in other localities (see docs/ODD.md)",
    )
    colocation_tie_formation: Share = Field(0.03, description="extra weekly chance when co-located")
    joint_work_tie_formation: Share = Field(
        0.01, description="extra weekly chance after performing a behaviour"
    )
    initial_trust: Share = Field(0.3, description="trust on a new cross-boundary tie")
    team_trust: Share = Field(
        0.6,
        description="trust on a tie inside an organisation at the start or after a joiner arrives",
    )
    trust_growth: Share = Field(
        0.1, description="share of the gap to 1 closed per week of joint work"
    )
    trust_decay: Share = Field(0.02, description="share of trust lost per week without joint work")
    tie_loss_trust: Share = Field(0.05, description="cross-boundary ties below this trust are lost")
    mixing: Literal["network", "full"] = Field(
        "network",
        description="'full' replaces neighbour shares by whole-population shares (mean field)",
    )


class BehaviourParameters(Strict):
    """Habit formation and decay, noise (per week)."""

    habit_gain: Share = Field(
        0.09,
        description="share of the gap to 1 closed per week performed (Lally et al. 2010, ~2 repetitions a week)",
    )
    habit_decay: Share = Field(0.05, description="share of habit lost per week not performed")
    noise: Share = Field(
        0.01, description="chance per encounter of performing regardless of the rule"
    )
    initial_habit: Literal["stationary", "zero"] = Field(
        "stationary", description="start with the habits of the usual context, or with none"
    )


class PractitionerParameters(Strict):
    """Baseline state of practitioners and how it moves (per week)."""

    capability: Share = 0.4
    capability_sd: NonNegative = 0.1
    motivation: Share = 0.5
    motivation_sd: NonNegative = 0.1
    learning_by_doing: Share = Field(0.01, description="capability gap closed per week performed")
    movers: Share = Field(
        0.0,
        description="share of leavers who move to another post in the place, carrying "
        "capability and habit",
    )
    capability_fade: Share = Field(
        0.01,
        description="share of capability above the post's baseline lost per week not performed",
    )
    training_rate: Share = Field(
        0.1, description="capability gap closed per week of training at strength 1"
    )
    motivation_rate: Share = Field(
        0.05, description="share of the gap to the motivation target closed per week"
    )
    leadership_weight: NonNegative = 0.4
    peer_weight: NonNegative = 0.3
    benefit_weight: NonNegative = 0.3
    fatigue_per_initiative: NonNegative = Field(
        0.05, description="motivation lost per initiative launched in the locality"
    )
    fatigue_half_life: Annotated[float, Field(gt=0)] = Field(52.0, description="weeks")
    fatigue_spillover: Share = Field(
        0.3, description="share of a launch's fatigue felt in the other localities"
    )


class OpportunityParameters(Strict):
    """Opportunity (0-1) from context, recomputed each week."""

    base: Share = 0.3
    co_location: NonNegative = 0.35
    shared_records: NonNegative = 0.15
    pooled_budget: NonNegative = 0.15
    backfill: NonNegative = 0.2
    pressure: NonNegative = Field(0.3, description="opportunity lost at full seasonal pressure")


class OrganisationParameters(Strict):
    """Organisation-level state (leadership, funding effects)."""

    funded_leadership_boost: NonNegative = Field(
        0.2, description="leadership gained while funded interventions run"
    )
    leadership_return: Share = Field(
        0.03, description="share of the gap to baseline leadership closed per week"
    )


class FundingParameters(Strict):
    """How money buys intervention strength (see strategies.dose_response)."""

    half_effect: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {
            "co_location": 6.0,
            "backfill": 8.0,
            "training": 4.0,
            "pooled_budget": 4.0,
            "shared_records": 3.0,
        },
        description="pounds per targeted practitioner per week giving half the full effect",
    )
    hill: Annotated[float, Field(gt=0)] = Field(
        2.0, description="steepness; > 1 means thin spending buys little"
    )


class ReadinessParameters(Strict):
    """How a locality's readiness (0-1) changes what the same money does there.

    Each weight is the share of the effect that depends on readiness: at weight w
    and readiness r the effect is multiplied by 1 - w (1 - r) (fidelity, leadership)
    or by 1 + w (1 - 2 r) (fatigue: felt more where readiness is low). 0 makes
    readiness inert.
    """

    fidelity: Share = Field(
        0.6, description="implementation fidelity / absorptive capacity: funded strength reached"
    )
    leadership: Share = Field(
        0.5, description="leadership support: how much funding lifts leaders' commitment"
    )
    fatigue: Share = Field(0.5, description="initiative fatigue: felt more where readiness is low")


class ImplementationParameters(Strict):
    """Set-up lags: weeks from the start of spending until a primitive acts (see docs/ODD.md)."""

    lag_weeks: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: {
            "co_location": 26,
            "shared_records": 39,
            "backfill": 13,
            "pooled_budget": 26,
            "training": 4,
            "champions": 8,
            "learning_transfer": 13,
        },
        description="weeks of set-up per primitive (missing: 0)",
    )

    @model_validator(mode="after")
    def _known_primitives(self) -> ImplementationParameters:
        unknown = sorted(set(self.lag_weeks) - set(PRIMITIVES))
        if unknown:
            raise ValueError(f"lag_weeks: unknown primitive(s) {', '.join(unknown)}")
        return self


class Parameters(Strict):
    """Every model parameter, grouped by submodel."""

    network: NetworkParameters = Field(default_factory=NetworkParameters)
    behaviour: BehaviourParameters = Field(default_factory=BehaviourParameters)
    practitioners: PractitionerParameters = Field(default_factory=PractitionerParameters)
    opportunity: OpportunityParameters = Field(default_factory=OpportunityParameters)
    organisations: OrganisationParameters = Field(default_factory=OrganisationParameters)
    funding: FundingParameters = Field(default_factory=FundingParameters)
    readiness: ReadinessParameters = Field(default_factory=ReadinessParameters)
    implementation: ImplementationParameters = Field(default_factory=ImplementationParameters)
    posterior: str | None = Field(
        None, description="Parquet posterior file; each replicate draws one weighted sample"
    )


class Seasonal(Strict):
    """Winter pressure: pressure(t) = base + amplitude * cos(2 pi (t - peak_week) / 52)."""

    base: Share = 0.4
    amplitude: Share = 0.25
    peak_week: Annotated[int, Field(ge=0, le=51)] = 39  # week 0 = April; week 39 = early January
    demand_amplitude: Share = Field(0.15, description="seasonal swing in case arrivals")


class Costs(Strict):
    """Unit costs (pounds) used to price outcomes; illustrative, see docs/ODD.md."""

    delay_day: NonNegative = 400.0
    emergency_admission: NonNegative = 2_000.0


class Drivers(Strict):
    """Exogenous drivers: turnover overrides, seasonal pressure, unit costs."""

    turnover: dict[str, Annotated[float, Field(ge=0, lt=1)]] = Field(
        default_factory=dict,
        description="annual leaver rate by organisation type (overrides catalogue)",
    )
    turnover_scale: NonNegative = Field(1.0, description="multiplies every turnover rate")
    demand_trend: float = Field(
        0.02,
        ge=-0.5,
        le=1.0,
        description="yearly growth of case arrivals (secular trend; 0.02 = 2% a year)",
    )
    seasonal: Seasonal = Field(default_factory=Seasonal)
    costs: Costs = Field(default_factory=Costs)
