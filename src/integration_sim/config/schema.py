"""The parts of a scenario: the place, behaviours, case types, parameters and drivers.

Every model is strict (unknown keys are errors). The whole file is
:class:`integration_sim.config.scenario.Scenario`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from integration_sim.config.base import (
    LABEL_LENGTH,
    NameList,
    NamesOrAll,
    NonNegative,
    Positive,
    Share,
    Strict,
)
from integration_sim.config.strategies import PRIMITIVES
from integration_sim.errors import FieldProblems

# --------------------------------------------------------------------------- system


class Locality(Strict):
    """A neighbourhood with its own population and demand."""

    name: str = Field(description="unique locality name")
    population: Annotated[int, Field(gt=0, description="residents")] = 50_000
    readiness: Share = Field(0.5, description="baseline leadership commitment and culture (0-1)")
    need: Annotated[float, Field(gt=0, description="demand multiplier (1 = average)")] = 1.0


class OrganisationType(Strict):
    """An organisation type (catalogue entry, overridable per scenario)."""

    label: str = Field("", max_length=LABEL_LENGTH, description="name shown in charts")
    scope: Literal["system", "locality"] = Field(
        "locality",
        description="system: one organisation spans localities; locality: one per locality",
    )
    staff: Annotated[
        int,
        Field(gt=0, description="practitioners per organisation (per locality if system scope)"),
    ] = 10
    turnover: Annotated[
        float, Field(ge=0, lt=1, description="leavers per year as share of staff")
    ] = 0.1
    roles: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"practitioner": 1.0},
        description="role shares (normalised)",
    )


class Organisations(Strict):
    """How many organisations of one type the place has."""

    type: str = Field(description="a key of organisation_types (catalogue or scenario)")
    count: Annotated[
        int, Field(ge=1, description="per locality (locality scope) or in total (system scope)")
    ] = 1
    staff: Annotated[int, Field(gt=0)] | None = Field(
        None, description="optional: practitioners per organisation (default: the type's staff)"
    )
    localities: NamesOrAll = Field(
        "all", description="localities served: all, or a list of locality names"
    )


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

    localities: list[Locality] = Field(
        description="neighbourhoods; each has its own population and demand"
    )
    organisations: list[Organisations] = Field(description="how many organisations of each type")
    network: NetworkFile | None = Field(
        None, description="optional: a measured network replaces the generated one"
    )

    @model_validator(mode="after")
    def _some_localities(self) -> System:
        if not self.localities:  # (a name given twice is found with the other names)
            raise FieldProblems([(("localities",), "at least one locality is needed")])
        return self


# ----------------------------------------------------------------------- behaviours


class Coefficients(Strict):
    """Logit-scale coefficients of the COM-B behaviour rule."""

    intercept: float = Field(-4.0, description="log-odds of performing with every determinant at 0")
    capability: float = Field(2.0, description="weight of capability (0-1)")
    opportunity: float = Field(2.5, description="weight of opportunity (0-1)")
    motivation: float = Field(2.0, description="weight of motivation (0-1)")
    habit: float = Field(4.0, description="weight of habit (0-1)")
    social: float = Field(2.0, description="weight of the share of neighbours performing")


class Behaviour(Strict):
    """One behaviour of the catalogue: who performs it, on which relationship, and how it spreads."""

    label: str = Field("", max_length=LABEL_LENGTH, description="name shown in charts")
    level: Literal["practitioner", "organisation"] = Field(
        "practitioner", description="practitioner or organisation"
    )
    performers: NameList = Field(description="organisation types whose practitioners perform it")
    roles: NameList | None = Field(None, description="optional narrower list of performing roles")
    partners: list[str] = Field(description="organisation types it is performed with")
    encounter_rate: Share = Field(
        0.5, description="weekly chance a performer meets a case needing it"
    )
    contagion: Literal["logistic", "threshold", "additive"] = Field(
        "logistic", description="logistic | threshold (complex contagion) | additive (Bass limit)"
    )
    threshold: Annotated[int, Field(ge=1)] = Field(
        2, description="neighbours needed, for threshold contagion"
    )
    coefficients: Coefficients = Field(default_factory=Coefficients, description="logit scale")


class CaseType(Strict):
    """People whose needs cross boundaries; see catalogue/case_types.yaml."""

    rate: NonNegative = Field(0.1, description="new cases per 1,000 residents per week")
    needs: NameList = Field(description="organisation types the case needs")
    behaviours: list[str] = Field(description="behaviours that make its handling integrated")
    delay_days: NonNegative = Field(3.0, description="mean delay when not integrated")
    delay_reduction: Share = Field(
        0.4, description="integrated: delay_days * (1 - delay_reduction)"
    )
    admission_risk: Share = Field(0.1, description="emergency admission risk when not integrated")
    admission_reduction: Share = Field(
        0.2, description="integrated: admission_risk * (1 - admission_reduction)"
    )


# ----------------------------------------------------------------------- parameters


class NetworkTarget(Strict):
    """A measured network's summary for the generated network to match on average."""

    mean_degree: Positive = Field(description="mean number of ties per practitioner")
    clustering: Share = Field(
        description="average local clustering (practitioners with fewer than two ties count as 0)"
    )
    cross_share: Share | None = Field(
        None,
        description="optional: share of ties that cross an organisational boundary (if not "
        "given, random ties are split as within_organisation_ties : cross_boundary_ties)",
    )


class NetworkParameters(Strict):
    """Generated network and tie dynamics (rates per practitioner per week)."""

    team_size: Annotated[int, Field(ge=1)] = Field(
        8, description="practitioners per team (all tied to each other; 1 = no teams)"
    )
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
    target: NetworkTarget | None = Field(
        None,
        description="optional: a measured network's summary for the generated one to match on "
        "average; the random ties and triangle_closure (and team_size, tried from the one given "
        "outwards) are then found by a seeded search when the place is built (docs/calibration.md)",
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

    capability: Share = Field(0.4, description="mean starting capability (0-1), per behaviour")
    capability_sd: NonNegative = Field(0.1, description="spread of starting capability")
    motivation: Share = Field(0.5, description="mean starting motivation (0-1)")
    motivation_sd: NonNegative = Field(0.1, description="spread of starting motivation")
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
    leadership_weight: NonNegative = Field(
        0.4, description="weight of leadership change in the motivation target"
    )
    peer_weight: NonNegative = Field(0.3, description="weight of peers' change in behaviour")
    benefit_weight: NonNegative = Field(
        0.3, description="weight of the change in one's own cases going well"
    )
    fatigue_per_initiative: NonNegative = Field(
        0.05, description="motivation lost per initiative launched in the locality"
    )
    fatigue_half_life: Annotated[float, Field(gt=0)] = Field(52.0, description="weeks")
    fatigue_spillover: Share = Field(
        0.3, description="share of a launch's fatigue felt in the other localities"
    )


class OpportunityParameters(Strict):
    """Opportunity (0-1) from context, recomputed each week."""

    base: Share = Field(0.3, description="opportunity with no intervention and no pressure")
    co_location: NonNegative = Field(0.35, description="added by co-location at strength 1")
    shared_records: NonNegative = Field(0.15, description="added by shared records at strength 1")
    pooled_budget: NonNegative = Field(0.15, description="added by a pooled budget at strength 1")
    backfill: NonNegative = Field(0.2, description="added by funded backfill at strength 1")
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
        unknown = [name for name in self.lag_weeks if name not in PRIMITIVES]
        if unknown:
            known = ", ".join(PRIMITIVES)
            raise FieldProblems(
                [
                    (("lag_weeks", name), f"unknown primitive {name!r} (known: {known})")
                    for name in unknown
                ]
            )
        return self


class Parameters(Strict):
    """Every model parameter, grouped by submodel."""

    network: NetworkParameters = Field(
        default_factory=NetworkParameters, description="generated network and tie dynamics"
    )
    behaviour: BehaviourParameters = Field(
        default_factory=BehaviourParameters, description="habit formation and decay, noise"
    )
    practitioners: PractitionerParameters = Field(
        default_factory=PractitionerParameters,
        description="practitioners' starting state and how it moves",
    )
    opportunity: OpportunityParameters = Field(
        default_factory=OpportunityParameters,
        description="opportunity = base + effects of context - pressure, clipped to [0, 1]",
    )
    organisations: OrganisationParameters = Field(
        default_factory=OrganisationParameters,
        description="leadership and the effect of funding on it",
    )
    funding: FundingParameters = Field(
        default_factory=FundingParameters,
        description="how money buys intervention strength (dose-response)",
    )
    readiness: ReadinessParameters = Field(
        default_factory=ReadinessParameters,
        description="how readiness changes what the same money does in a locality",
    )
    implementation: ImplementationParameters = Field(
        default_factory=ImplementationParameters,
        description="set-up lags: weeks from the start of spending until a primitive acts",
    )
    posterior: str | None = Field(
        None, description="Parquet posterior file; each replicate draws one weighted sample"
    )


class Seasonal(Strict):
    """Winter pressure: pressure(t) = base + amplitude * cos(2 pi (t - peak_week) / 52)."""

    base: Share = Field(0.4, description="mean system pressure (0-1)")
    amplitude: Share = Field(0.25, description="winter swing in pressure")
    peak_week: Annotated[int, Field(ge=0, le=51)] = Field(
        39, description="week of peak pressure (week 0 = April; 39 = early January)"
    )
    demand_amplitude: Share = Field(0.15, description="seasonal swing in case arrivals")


class Costs(Strict):
    """Unit costs (pounds) used to price outcomes; illustrative, see docs/ODD.md."""

    delay_day: NonNegative = Field(400.0, description="pounds per delayed day")
    emergency_admission: NonNegative = Field(2_000.0, description="pounds per emergency admission")


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
    seasonal: Seasonal = Field(default_factory=Seasonal, description="winter pressure and demand")
    costs: Costs = Field(default_factory=Costs, description="unit costs used to price outcomes")
