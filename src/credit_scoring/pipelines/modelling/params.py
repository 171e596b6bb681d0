"""Typed parameters of the modelling pipeline (``conf/base/parameters_modelling.yml``).

Nodes receive plain dictionaries (so kedro-mlflow logs them flattened) and validate them here: a typo or an
impossible value fails before any model is fitted, with the offending key in the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from credit_scoring.cost import CostWeights

Family = Literal["dummy", "logreg", "scorecard", "lgbm"]
Imbalance = Literal["none", "class_weight", "smote", "undersample"]

#: Imbalance strategies each model family supports.
SUPPORTED_IMBALANCE: dict[str, tuple[str, ...]] = {
    "dummy": ("none",),
    "logreg": ("none", "class_weight", "smote", "undersample"),
    "scorecard": ("none", "class_weight"),  # resampling would distort the bins' event rates and WoE
    "lgbm": ("none", "class_weight", "undersample"),  # SMOTE would interpolate between category codes
}

#: Search-space keys that set the candidate's imbalance handling instead of an estimator parameter.
SPEC_KEYS = ("imbalance", "sampling_strategy")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BinningSpec(StrictModel):
    """The bins of a scorecard candidate (`credit_scoring.serving.scorecard.WoeBinner`)."""

    max_n_bins: int = Field(5, ge=2, le=20)
    min_bin_size: float = Field(0.05, gt=0.0, lt=0.5)  # share of the training rows in each bin
    max_n_prebins: int = Field(20, ge=2, le=100)
    # event rate along a numeric feature's bins: auto_asc_desc = monotone, the direction read from the data;
    # null lets the bins go up and down (harder to justify to a credit committee)
    monotonic_trend: Literal["auto_asc_desc", "ascending", "descending", "auto"] | None = "auto_asc_desc"
    prescreen: int | None = Field(60, ge=1)  # only this many features (best decile IV) are binned: time
    min_iv: float = Field(0.02, ge=0.0)  # information value below which a feature is not kept
    max_features: int = Field(20, ge=1)
    max_correlation: float = Field(0.8, gt=0.0, le=1.0)  # |corr| of WoE with a feature already kept


class MonotoneSpec(StrictModel):
    """LightGBM monotone constraints: features (names or shell patterns such as ``EXT_SOURCE_*``) along which
    the predicted probability of default may only rise (``increasing``) or only fall (``decreasing``).
    Every entry must match a model feature (checked when the candidate is built)."""

    increasing: list[str] = Field(default_factory=list)
    decreasing: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty_nor_both(self) -> MonotoneSpec:
        if not self.increasing and not self.decreasing:
            raise ValueError("monotone needs at least one 'increasing' or 'decreasing' feature")
        both = sorted(set(self.increasing) & set(self.decreasing))
        if both:
            raise ValueError(f"monotone lists {both} as both increasing and decreasing")
        return self


class CandidateSpec(StrictModel):
    """One model to compare: a family, how it handles the 8 % minority class, and estimator parameters."""

    family: Family
    imbalance: Imbalance = "none"
    sampling_strategy: float = Field(1.0, gt=0.0, le=1.0)  # minority / majority ratio after resampling
    # LightGBM only: stop when the validation fold's AUC has not improved for this many trees
    # (params.n_estimators is then the cap); the refit uses the folds' mean number of trees
    early_stopping_rounds: int | None = Field(None, ge=1)
    params: dict[str, Any] = Field(default_factory=dict)
    binning: BinningSpec | None = None  # scorecard only (its defaults when omitted)
    monotone: MonotoneSpec | None = None  # lgbm only

    @model_validator(mode="after")
    def _imbalance_fits_family(self) -> CandidateSpec:
        if self.imbalance not in SUPPORTED_IMBALANCE[self.family]:
            raise ValueError(
                f"imbalance={self.imbalance!r} is not supported for family {self.family!r}; "
                f"choose one of {SUPPORTED_IMBALANCE[self.family]}"
            )
        if self.early_stopping_rounds is not None and self.family != "lgbm":
            raise ValueError(f"early_stopping_rounds only applies to lgbm candidates, not {self.family!r}")
        if self.binning is not None and self.family != "scorecard":
            raise ValueError(f"binning only applies to scorecard candidates, not {self.family!r}")
        if self.monotone is not None and self.family != "lgbm":
            raise ValueError(f"monotone only applies to lgbm candidates, not {self.family!r}")
        if self.monotone is not None and "monotone_constraints" in self.params:
            raise ValueError("give monotone constraints either as 'monotone' or in params, not both")
        return self


class SearchDimension(StrictModel):
    """One tuned hyper-parameter: a float or int range (optionally log-scaled) or a list of choices."""

    type: Literal["float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[Any] | None = None
    # int dimensions: the upper bound becomes max(low, high_share * training rows), e.g. min_child_samples
    # up to a share of the rows, so one search space fits 5,000 and 300,000 clients
    high_share: float | None = Field(None, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> SearchDimension:
        if self.type == "categorical":
            if not self.choices:
                raise ValueError("a categorical dimension needs a non-empty 'choices' list")
            return self
        if self.high_share is not None:
            if self.type != "int" or self.low is None:
                raise ValueError("'high_share' needs an int dimension with a 'low' bound")
        elif self.low is None or self.high is None or self.low > self.high:
            raise ValueError(
                f"a {self.type} dimension needs low <= high, got low={self.low}, high={self.high}"
            )
        if self.log and self.low <= 0:
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
        if "early_stopping_rounds" in self.search_space:
            raise ValueError("tune the cap n_estimators, not early_stopping_rounds")
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
    # the holdout is every client with sha256("<salt>:<id>") / 2**64 < holdout_fraction: changing the salt
    # or the fraction changes the evaluation set (the gate then decides on the clients neither model saw)
    holdout_salt: str = Field("credit-scoring-holdout", min_length=1)
    n_folds: int = Field(5, ge=2, le=20)
    large_rows: int = Field(100_000, ge=1)  # above this many training rows, use n_folds_large folds
    n_folds_large: int = Field(3, ge=2, le=20)

    def folds_for(self, n_rows: int) -> int:
        return self.n_folds if n_rows <= self.large_rows else self.n_folds_large


class CostParams(StrictModel):
    false_negative: float = Field(10.0, ge=0)
    false_positive: float = Field(1.0, ge=0)

    def weights(self) -> CostWeights:
        return CostWeights(false_negative=self.false_negative, false_positive=self.false_positive)


class GuardParams(StrictModel):
    auc_warning: float = Field(0.82, gt=0.5, le=1.0)  # best Kaggle private score: above it, suspect leakage
    leakage_auc: float = Field(0.9, gt=0.5, le=1.0)  # a single feature this predictive is suspect
    fail_on_leakage: bool = False
    max_auc_gap: float = Field(0.1, gt=0.0, le=1.0)  # train minus validation AUC above this: overfitting


class ScorecardScaling(StrictModel):
    """``modelling.scorecard``: how log-odds become points. score = offset + factor * ln(odds of repaying),
    factor = pdo / ln 2, offset = base_score - factor * ln(base_odds): ``base_score`` points at odds of
    ``base_odds`` to 1 of repaying, ``pdo`` more points each time the odds double."""

    base_score: float = 600.0
    base_odds: float = Field(50.0, gt=0.0)
    pdo: float = Field(20.0, gt=0.0)


class SelectionParams(StrictModel):
    # a candidate whose cross-validated cost is within this many standard errors of the best one's (paired
    # across folds) is as good: the simplest such candidate (configuration order) is selected
    standard_errors: float = Field(1.0, ge=0.0)


class CalibrationParams(StrictModel):
    method: Literal["isotonic", "sigmoid"] = "isotonic"
    n_bins: int = Field(10, ge=2, le=50)


class RiskReportParams(StrictModel):
    # FN:FP cost ratios at which the selected model's threshold, cost and approval rate are reported; the
    # decision itself keeps the ratio of `modelling.cost`
    cost_ratios: tuple[float, ...] = Field((5.0, 10.0, 15.0, 20.0), min_length=1)

    @model_validator(mode="after")
    def _positive_and_increasing(self) -> RiskReportParams:
        ratios = self.cost_ratios
        if ratios[0] <= 0 or any(low >= high for low, high in pairwise(ratios)):
            raise ValueError(f"cost_ratios must be positive and increasing, got {list(ratios)}")
        return self


class RefineParams(StrictModel):
    """``modelling.refine``: a finer second search on the family of the cheapest candidate, around the best
    trial of that family's study (each numeric range narrowed to ``shrink`` of its width, on the log scale
    for log dimensions; categorical choices fixed). ``n_trials: 0`` turns it off."""

    n_trials: int = Field(0, ge=0)
    shrink: float = Field(0.3, gt=0.0, lt=1.0)
    timeout_s: float | None = Field(600.0, gt=0)


class BudgetParams(StrictModel):
    """``modelling.budget``: how the search scales with the number of training rows, so the same
    configuration serves 5,000 and 300,000 clients without a hand edit.

    Up to ``tuning_rows`` training rows, every tuning trial reads every row. Above, the trials of every study
    (and of the finer search) cross-validate on a sample of ``tuning_rows`` rows drawn in each fold and class
    (the same folds), and the best trial is then cross-validated once on every row: its out-of-fold scores
    select, calibrate and threshold the model. Its size parameters (search dimensions with ``high_share``,
    e.g. ``min_child_samples``) are scaled by the ratio of rows, so its leaves keep the share of the rows the
    trials found best. ``seconds_per_100k_rows`` is what one fit of each family took per 100,000 rows on the
    reference machine (2 shared cores): the expected run time printed at the start."""

    tuning_rows: int | None = Field(80_000, ge=1_000)  # null: every trial reads every row
    seconds_per_100k_rows: dict[Family, float] = Field(
        default_factory=lambda: {"dummy": 0.5, "logreg": 22.0, "scorecard": 12.0, "lgbm": 35.0}
    )

    def sample_rows(self, n_rows: int) -> int:
        """How many training rows a tuning trial reads."""
        return n_rows if self.tuning_rows is None else min(n_rows, self.tuning_rows)


class RegistryParams(StrictModel):
    min_auc: float = Field(0.6, ge=0.5, le=1.0)  # the floor: a challenger below it is never promoted
    confidence: float = Field(0.95, gt=0.5, lt=1.0)  # of the paired bootstrap intervals of cost differences
    n_resamples: int = Field(2000, ge=100)
    min_evaluation_rows: int = Field(200, ge=1)  # fewer clients unseen by both models: keep the champion
    force: bool = False  # promote a challenger that passes the floor without comparing it with the champion
    input_example_rows: int = Field(5, ge=1, le=100)  # synthetic rows built from the training schema


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


def parse_excluded_features(
    raw: Any, columns: Iterable[str], *, id_column: str, target: str
) -> tuple[str, ...]:
    """``modelling.excluded_features`` checked against the model input table's ``columns``.

    Every name must be a feature column of the table (a typo would otherwise leave a protected attribute in
    the model without a word); the identifier and the target cannot be excluded, nor every feature.
    """
    where = "'modelling.excluded_features' (conf/base/parameters_modelling.yml)"
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, list | tuple) or not all(isinstance(n, str) for n in raw):
        raise ValueError(f"{where} must be a list of column names, got {raw!r}")
    names = tuple(raw)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"{where} lists {duplicated} more than once")
    present = list(columns)
    reserved = [name for name in names if name in (id_column, target)]
    if reserved:
        raise ValueError(f"{where} cannot exclude the identifier or the target: {reserved}")
    unknown = [name for name in names if name not in present]
    if unknown:
        raise ValueError(
            f"{where} names no column of the model input table: {unknown} (check the spelling; the "
            "features are the columns of model_input_table besides the identifier and the target)"
        )
    if len(present) - 2 <= len(names):
        raise ValueError(f"{where} excludes every feature of the model input table")
    return names


class ProtectedExperimentParams(StrictModel):
    """``modelling.protected_experiment``: how the experiment with and without the excluded features judges
    groups of clients."""

    # a rate's gap compares the groups with at least this many holdout clients in its denominator (all
    # clients, good clients or defaulters): smaller groups are reported, not compared (their rates are noise)
    min_group_clients: int = Field(30, ge=1)
    # age stays a feature unless an age band's mean predicted default probability exceeds its observed default
    # rate by more than this and by more than two standard errors of that rate
    age_overpricing_tolerance: float = Field(0.02, ge=0.0, lt=1.0)


class ModellingSettings(StrictModel):
    """``modelling`` of parameters_modelling.yml and the run's seed, parsed once (`modelling_settings`) into
    the one typed object every modelling node receives."""

    split: SplitParams
    cost: CostParams
    n_jobs: int = Field(ge=1)
    random_state: int
    excluded_features: tuple[str, ...] = ()  # checked against the model input's columns at the split
    candidates: dict[str, CandidateSpec]
    tuning: dict[str, TuningSpec]
    refine: RefineParams = RefineParams()
    budget: BudgetParams = BudgetParams()
    selection: SelectionParams = SelectionParams()
    guards: GuardParams = GuardParams()
    calibration: CalibrationParams = CalibrationParams()
    risk_report: RiskReportParams = RiskReportParams()
    scorecard: ScorecardScaling = ScorecardScaling()
    protected_experiment: ProtectedExperimentParams = ProtectedExperimentParams()
    registry: RegistryParams = RegistryParams()

    @property
    def weights(self) -> CostWeights:
        return self.cost.weights()


#: The blocks of ``modelling`` and the typed model of each (the others are checked by `ModellingSettings`).
_BLOCKS: dict[str, type[StrictModel]] = {
    "split": SplitParams,
    "cost": CostParams,
    "refine": RefineParams,
    "budget": BudgetParams,
    "selection": SelectionParams,
    "guards": GuardParams,
    "calibration": CalibrationParams,
    "risk_report": RiskReportParams,
    "scorecard": ScorecardScaling,
    "protected_experiment": ProtectedExperimentParams,
    "registry": RegistryParams,
}


def modelling_settings(modelling: dict[str, Any], random_state: int) -> ModellingSettings:
    """``params:modelling`` parsed once, each block's error naming the block (node `parse_settings_node`)."""
    unknown = sorted(set(modelling) - set(ModellingSettings.model_fields))
    if unknown:
        raise ValueError(f"Unknown keys in 'modelling' (conf/base/parameters_modelling.yml): {unknown}")
    blocks = {
        name: parse(model, modelling[name], f"modelling.{name}")
        for name, model in _BLOCKS.items()
        if name in modelling
    }
    tuning = {
        key: parse(TuningSpec, spec, f"modelling.tuning.{key}")
        for key, spec in (modelling.get("tuning") or {}).items()
    }
    excluded = modelling.get("excluded_features")
    if excluded is not None and (isinstance(excluded, str) or not isinstance(excluded, list | tuple)):
        raise ValueError(f"'modelling.excluded_features' must be a list of column names, got {excluded!r}")
    return parse(
        ModellingSettings,
        {
            **blocks,
            "n_jobs": modelling.get("n_jobs", 1),
            "random_state": random_state,
            "excluded_features": tuple(excluded or ()),
            "candidates": parse_candidates(modelling.get("candidates") or {}),
            "tuning": tuning,
        },
        "modelling",
    )
