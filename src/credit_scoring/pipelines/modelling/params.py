"""Typed parameters of the modelling pipeline (``conf/base/parameters_modelling.yml``).

Nodes receive plain dictionaries (so kedro-mlflow logs them flattened) and validate them here: a typo or an
impossible value fails before any model is fitted, with the offending key in the message.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from credit_scoring.cost import CostWeights

Family = Literal["dummy", "logreg", "lgbm"]
Imbalance = Literal["none", "class_weight", "smote", "undersample"]

#: Imbalance strategies each model family supports.
SUPPORTED_IMBALANCE: dict[str, tuple[str, ...]] = {
    "dummy": ("none",),
    "logreg": ("none", "class_weight", "smote", "undersample"),
    "lgbm": ("none", "class_weight", "undersample"),  # SMOTE would interpolate between category codes
}

#: Search-space keys that set the candidate's imbalance handling instead of an estimator parameter.
SPEC_KEYS = ("imbalance", "sampling_strategy")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CandidateSpec(StrictModel):
    """One model to compare: a family, how it handles the 8 % minority class, and estimator parameters."""

    family: Family
    imbalance: Imbalance = "none"
    sampling_strategy: float = Field(1.0, gt=0.0, le=1.0)  # minority / majority ratio after resampling
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _imbalance_fits_family(self) -> CandidateSpec:
        if self.imbalance not in SUPPORTED_IMBALANCE[self.family]:
            raise ValueError(
                f"imbalance={self.imbalance!r} is not supported for family {self.family!r}; "
                f"choose one of {SUPPORTED_IMBALANCE[self.family]}"
            )
        return self


class SearchDimension(StrictModel):
    """One tuned hyper-parameter: a float or int range (optionally log-scaled) or a list of choices."""

    type: Literal["float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SearchDimension:
        if self.type == "categorical":
            if not self.choices:
                raise ValueError("a categorical dimension needs a non-empty 'choices' list")
        elif self.low is None or self.high is None or self.low > self.high:
            raise ValueError(
                f"a {self.type} dimension needs low <= high, got low={self.low}, high={self.high}"
            )
        elif self.log and self.low <= 0:
            raise ValueError(f"a log-scaled dimension needs low > 0, got {self.low}")
        return self


class TuningSpec(StrictModel):
    """An Optuna study: the candidate it starts from, the search space and the budget."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    base: CandidateSpec
    search_space: dict[str, SearchDimension]
    n_trials: int = Field(20, ge=1)
    timeout_s: float | None = Field(
        600.0, gt=0
    )  # a safety cap: when it fires, results depend on machine speed
    pruning: bool = True
    pruner_startup_trials: int = Field(5, ge=0)
    pruner_warmup_folds: int = Field(1, ge=0)
    log_trials_as_nested_runs: bool = True

    @model_validator(mode="after")
    def _spec_keys_are_valid(self) -> TuningSpec:
        choices = self.search_space.get("imbalance")
        if choices is not None:
            allowed = SUPPORTED_IMBALANCE[self.base.family]
            wrong = [choice for choice in choices.choices or [] if choice not in allowed]
            if choices.type != "categorical" or wrong:
                raise ValueError(f"'imbalance' must be categorical with choices among {allowed}, got {wrong}")
        return self


class SplitParams(StrictModel):
    id_column: str = "SK_ID_CURR"
    target: str = "TARGET"
    holdout_fraction: float = Field(0.2, gt=0.0, lt=0.5)
    n_folds: int = Field(5, ge=2, le=20)


class CostParams(StrictModel):
    false_negative: float = Field(10.0, ge=0)
    false_positive: float = Field(1.0, ge=0)

    def weights(self) -> CostWeights:
        return CostWeights(false_negative=self.false_negative, false_positive=self.false_positive)


class GuardParams(StrictModel):
    auc_warning: float = Field(0.82, gt=0.5, le=1.0)  # best Kaggle private score: above it, suspect leakage
    leakage_auc: float = Field(0.9, gt=0.5, le=1.0)  # a single feature this predictive is suspect
    fail_on_leakage: bool = False


class CalibrationParams(StrictModel):
    method: Literal["isotonic", "sigmoid"] = "isotonic"
    n_bins: int = Field(10, ge=2, le=50)


class RegistryParams(StrictModel):
    min_improvement: float = Field(0.0, ge=0.0)  # cost per client the challenger must save to become champion
    input_example_rows: int = Field(5, ge=1, le=100)


def parse(model: type[StrictModel], raw: Any, where: str) -> Any:
    """Validate ``raw`` against ``model``; the error names the parameter block."""
    if isinstance(raw, model):
        return raw
    try:
        return model.model_validate(raw)
    except Exception as error:
        raise ValueError(
            f"Invalid parameters in '{where}' (conf/base/parameters_modelling.yml): {error}"
        ) from error


def parse_candidates(raw: dict[str, Any]) -> dict[str, CandidateSpec]:
    """The candidates in their configured order (simplest first)."""
    if not raw:
        raise ValueError("'modelling.candidates' is empty: configure at least one candidate")
    return {name: parse(CandidateSpec, spec, f"modelling.candidates.{name}") for name, spec in raw.items()}
