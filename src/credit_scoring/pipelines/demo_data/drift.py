"""Named drift scenarios injected into ``application_test`` (and its clients' histories) for demonstrations.

The real train-to-production shift is always there: test clients are drawn from the test side of the profile.
A scenario adds a stronger, documented change on top of it, so a drift report has something obvious to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DriftScenario:
    """What a scenario changes for the test clients."""

    description: str
    risk_shift: float = 0.0
    """Added to the mean of the application and behaviour risk factors (riskier clients everywhere)."""
    income_factor: float = 1.0
    credit_factor: float = 1.0
    years_younger: float = 0.0
    revolving_share: float | None = None
    missing_rates: dict[str, float] = field(default_factory=dict)
    """Columns forced to a higher missing rate (e.g. a broken data feed)."""


DRIFT_SCENARIOS: dict[str, DriftScenario] = {
    "none": DriftScenario("Only the real train-to-production shift of the profile."),
    "economic_downturn": DriftScenario(
        "Riskier applicants (risk factors +0.8 sd: lower EXT_SOURCE_*, more refusals, late payments and card "
        "debt), incomes -20%, credit amounts +15%.",
        risk_shift=0.8,
        income_factor=0.8,
        credit_factor=1.15,
    ),
    "young_applicants": DriftScenario(
        "A marketing campaign brings applicants 8 years younger, a third of them on revolving loans, most "
        "without EXT_SOURCE_1.",
        years_younger=8.0,
        revolving_share=0.33,
        missing_rates={"EXT_SOURCE_1": 0.85},
    ),
    "bureau_feed_outage": DriftScenario(
        "The credit bureau feed is down: EXT_SOURCE_3 and every AMT_REQ_CREDIT_BUREAU_* column are missing "
        "for 90% of the applicants.",
        missing_rates={
            "EXT_SOURCE_3": 0.9,
            **{
                f"AMT_REQ_CREDIT_BUREAU_{period}": 0.9
                for period in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")
            },
        },
    ),
}


def drift_scenario(name: str) -> DriftScenario:
    """The scenario called ``name``; a clear error lists the known names."""
    try:
        return DRIFT_SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(DRIFT_SCENARIOS))
        raise ValueError(f"Unknown demo_data.drift scenario {name!r}; known scenarios: {known}") from None
