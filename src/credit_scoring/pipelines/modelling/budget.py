"""How long the modelling run will take, printed before the first fit, and how far a long search has got.

The plan counts the fits the configuration makes at this size (folds, trials, the tuning sample of
``modelling.budget``) and prices each with ``budget.seconds_per_100k_rows``, measured on the reference machine
(2 shared cores): an estimate, not a promise (pruned trials stop early; a study's time cap bounds it). The
progress messages measure what really happened and extrapolate from it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import optuna

from credit_scoring.pipelines.modelling.params import ModellingSettings
from credit_scoring.pipelines.progress import Progress, duration

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModellingPlan:
    """What the modelling run will fit at this size, and the seconds each stage is expected to take."""

    training_rows: int
    features: int
    folds: int
    tuning_rows: int
    stages: dict[str, float]  # stage -> expected seconds

    @property
    def expected_seconds(self) -> float:
        return sum(self.stages.values())

    def describe(self) -> str:
        """One log line: the sizes, the expected total and each stage's share."""
        sampled = (
            f"trials on a sample of {self.tuning_rows:,} rows"
            if self.tuning_rows < self.training_rows
            else "trials on every row"
        )
        stages = ", ".join(f"{stage} {duration(seconds)}" for stage, seconds in self.stages.items())
        return (
            f"Modelling plan: {self.training_rows:,} training rows, {self.features} features, "
            f"{self.folds} folds, {sampled}; expected about {duration(self.expected_seconds)} on the "
            f"reference machine (2 cores; modelling.budget): {stages}"
        )


def modelling_plan(settings: ModellingSettings, training_rows: int, features: int) -> ModellingPlan:
    """The fits of the configured candidates, the studies, the finer search, the refits and the protected-
    attribute experiment at ``training_rows``, each priced by ``settings.budget``."""
    budget, split = settings.budget, settings.split
    folds = split.folds_for(training_rows)
    tuning_rows = budget.sample_rows(training_rows)

    def fit(family: str, rows: float) -> float:
        return budget.seconds_per_100k_rows[family] * rows / 100_000

    def cross_validation(family: str, rows: int) -> float:
        return folds * fit(family, rows * (folds - 1) / folds)

    def study(family: str, n_trials: int, timeout_s: float | None) -> float:
        trials = n_trials * cross_validation(family, tuning_rows)
        if timeout_s is not None:
            trials = min(trials, timeout_s)
        best_on_every_row = cross_validation(family, training_rows) if tuning_rows < training_rows else 0.0
        return trials + best_on_every_row

    stages = {
        "configured candidates": sum(
            cross_validation(spec.family, training_rows) for spec in settings.candidates.values()
        ),
        **{
            spec.name: study(spec.base.family, spec.n_trials, spec.timeout_s)
            for spec in settings.tuning.values()
        },
    }
    families = [spec.family for spec in settings.candidates.values()]
    families += [spec.base.family for spec in settings.tuning.values()]
    costliest = max(families, key=lambda family: budget.seconds_per_100k_rows[family])
    if settings.refine.n_trials:
        stages["finer search"] = study(costliest, settings.refine.n_trials, settings.refine.timeout_s)
        families.append(costliest)
    stages["refits"] = sum(fit(family, training_rows) for family in families)
    stages["protected-attribute experiment"] = cross_validation(costliest, training_rows) + fit(
        costliest, training_rows
    )
    return ModellingPlan(training_rows, features, folds, tuning_rows, stages)


def trial_progress(
    study_name: str, n_trials: int, timeout_s: float | None
) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
    """Optuna callback logging each finished trial with the time spent and the time the study has left
    (the mean trial so far times the trials to go, within the study's time cap)."""
    started = time.perf_counter()

    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        done = len(study.trials)
        elapsed = time.perf_counter() - started
        left = elapsed / done * max(0, n_trials - done)
        if timeout_s is not None:
            left = min(left, max(0.0, timeout_s - elapsed))
        outcome = f"cost {trial.value:.4f}" if trial.value is not None else trial.state.name.lower()
        best = f", best {study.best_value:.4f}" if any(t.value is not None for t in study.trials) else ""
        logger.info(
            "%s: trial %d of %d done (%s%s), %s elapsed, about %s left",
            study_name,
            done,
            n_trials,
            outcome,
            best,
            duration(elapsed),
            duration(left),
        )

    return callback


def fold_progress(label: str, n_folds: int) -> Callable[[int, float], None]:
    """Called after each fold of a cross-validation on every row: the folds fitted and the time left."""
    progress = Progress(logger, label, n_folds, "folds")

    def report(number: int, fit_seconds: float) -> None:
        progress.step(number + 1, f"last fit {duration(fit_seconds)}")

    return report
