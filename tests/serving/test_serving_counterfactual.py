"""What would change the decision: alternatives of a refused application, each verified by the scorer.

The tiny project's raw tables through the batch path, and a small LightGBM (n_jobs=1) trained on a target
that depends on the repayment burden (annuity / income), so that the amount, term, goods price and income
levers all move the probability; the threshold is set between the application's probability and that of a
much smaller credit, so that the application is refused and some alternative exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from credit_scoring.api.schemas import ApplicationIn
from credit_scoring.features.families import FAMILY_BY_CODE, family_code, family_of
from credit_scoring.pipelines.demo_data.amounts import TERMS_MONTHS as DEMO_TERMS
from credit_scoring.raw.loans import TERMS_MONTHS, format_money
from credit_scoring.raw.tables import RAW_TABLES
from credit_scoring.serving.counterfactual import (
    ACTIONABLE_FIELDS,
    ANNUITY,
    CREDIT,
    FORBIDDEN_FAMILIES,
    INCOME,
    LEVER_BY_CODE,
    LEVERS,
    NO_AMOUNTS,
    NONE_WITHIN_BOUNDS,
    AlreadyGrantedError,
    CounterfactualPolicy,
    Counterfactuals,
    amounts_above,
    amounts_below,
    annuity_for,
    find_counterfactuals,
    money,
    term_of,
)
from credit_scoring.serving.loading import ServedModel
from credit_scoring.serving.model import GRANTED, REFUSED, CreditScoringModel
from credit_scoring.serving.rows import ModelInputRowBuilder
from credit_scoring.serving.scoring import Score, Scorer, decision_label
from tests.api.project import MODEL_NAME, train_model, write_batch_outputs
from tests.fixtures.raw_tables import make_raw_tables

NEVER_LEVERS = ("DAYS_BIRTH", "CODE_GENDER", "NAME_FAMILY_STATUS", "CNT_CHILDREN", "CNT_FAM_MEMBERS")
APPLICATION = {  # amounts of a cash loan the tiny model refuses at the fixture's threshold
    "NAME_CONTRACT_TYPE": "Cash loans",
    "AMT_CREDIT": 1_145_500.0,
    "AMT_ANNUITY": 48_500.0,
    "AMT_GOODS_PRICE": 1_000_000.0,
    "AMT_INCOME_TOTAL": 157_500.0,
}
ScorerAt = Callable[[float], Scorer]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("counterfactual")
    raw = make_raw_tables()
    frames = write_batch_outputs(raw, root)
    train = frames["model_input_table"].copy()
    burden = train["ANNUITY_INCOME_RATIO"]
    train["TARGET"] = (burden > burden.median()).astype(int)
    rows = ModelInputRowBuilder.from_store(root / "data" / "04_feature" / "client_history_features.parquet")
    base = raw["application_test"].iloc[0].to_dict()
    application = {
        k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for k, v in base.items()
    }
    return {"model": train_model(train), "rows": rows, "application": {**application, **APPLICATION}}


@pytest.fixture(scope="module")
def scorer_at(project: dict[str, Any]) -> ScorerAt:
    """A scorer over the same model at another threshold."""
    model = project["model"]

    def make(threshold: float) -> Scorer:
        at = CreditScoringModel(model.estimator, model.feature_spec, threshold, model.model_name)
        return Scorer(ServedModel(model=at, name=MODEL_NAME, version="1"), project["rows"])

    return make


@pytest.fixture(scope="module")
def application(project: dict[str, Any]) -> dict[str, Any]:
    return dict(project["application"])


@pytest.fixture(scope="module")
def scorer(scorer_at: ScorerAt, application: dict[str, Any]) -> Scorer:
    """Refuses the application, grants it with a fifth of the credit (and of the annuity)."""
    probe = scorer_at(0.5)
    smaller = {**application, CREDIT: application[CREDIT] / 5, ANNUITY: application[ANNUITY] / 5}
    asked, small = (score.probability for score in probe.score([application, smaller]))
    assert small < asked, "the fixture's model must react to the amounts"
    return scorer_at((asked + small) / 2)


@pytest.fixture(scope="module")
def found(scorer: Scorer, application: dict[str, Any]) -> Counterfactuals:
    policy = CounterfactualPolicy(co_borrower_income=True, max_alternatives=len(LEVERS))
    return find_counterfactuals(scorer, application, policy)


def _changed_fields(alternative: dict[str, Any], original: dict[str, Any]) -> set[str]:
    return {f for f in original if alternative.get(f) != original[f]} | (set(alternative) - set(original))


def test_the_lever_table_maps_to_no_protected_feature():
    for lever_field in ACTIONABLE_FIELDS:
        family = family_of(lever_field)
        assert not family.protected, lever_field
        assert family.code not in FORBIDDEN_FAMILIES, lever_field
    protected = {f for f in RAW_TABLES["application_test"] if FAMILY_BY_CODE[family_code(f)].protected}
    assert "CODE_GENDER" in protected
    assert not protected & ACTIONABLE_FIELDS
    assert not set(NEVER_LEVERS) & ACTIONABLE_FIELDS
    assert set(RAW_TABLES["application_test"]) >= ACTIONABLE_FIELDS


def test_every_alternative_is_granted_when_scored_again(found, scorer, application):
    assert found.alternatives and found.reason is None
    assert scorer.score([application])[0].decision == REFUSED
    for alternative in found.alternatives:
        fields = ApplicationIn.model_validate(dict(alternative.application)).model_dump(exclude_unset=True)
        again = scorer.score([fields])[0]  # as POST /predict scores what it validated
        assert again.decision == GRANTED == alternative.decision
        assert again.probability == pytest.approx(alternative.probability)
        assert again.probability < scorer.threshold


def test_alternatives_change_only_their_levers_fields(found, application):
    assert {a.lever for a in found.alternatives} >= {"credit", "term", "goods", "co_borrower"}
    for alternative in found.alternatives:
        changed = _changed_fields(dict(alternative.application), application)
        assert changed
        assert changed <= set(LEVER_BY_CODE[alternative.lever].fields) <= ACTIONABLE_FIELDS
        assert changed == {change.field for change in alternative.changes}
        for change in alternative.changes:
            assert (
                change.old == application[change.field]
                and change.new == alternative.application[change.field]
            )
        for never in NEVER_LEVERS:
            assert alternative.application.get(never) == application.get(never)


def test_alternatives_are_sorted_by_the_size_of_the_change_and_capped(found, scorer, application):
    sizes = [alternative.change for alternative in found.alternatives]
    assert sizes == sorted(sizes) and all(size > 0 for size in sizes)
    assert len({alternative.lever for alternative in found.alternatives}) == len(found.alternatives)
    three = find_counterfactuals(scorer, application)
    assert [a.lever for a in three.alternatives] == [a.lever for a in found.alternatives][:3]
    assert "co_borrower" not in {a.lever for a in three.alternatives}  # not unless the policy allows it
    no_co_borrower = find_counterfactuals(scorer, application, CounterfactualPolicy(max_alternatives=5))
    assert "co_borrower" not in {a.lever for a in no_co_borrower.alternatives}


def test_the_smallest_credit_is_minimal_within_one_step(found, scorer, application):
    step = CounterfactualPolicy().amount_step
    credit = next(a for a in found.alternatives if a.lever == "credit")
    new = credit.application[CREDIT]
    assert new % step == 0 and new < application[CREDIT]
    assert new >= CounterfactualPolicy().min_amount_share * application[CREDIT]
    larger = new + step  # one step less changed: still refused
    same_term = application[ANNUITY] / application[CREDIT]
    refused = {**application, CREDIT: larger, ANNUITY: round(larger * same_term, 2)}
    assert larger >= application[CREDIT] or scorer.score([refused])[0].decision == REFUSED
    assert credit.application[ANNUITY] == pytest.approx(new * same_term, abs=0.01)  # the term is kept


def test_the_term_alternative_is_the_nearest_granted_term_of_the_grid(found, scorer, application):
    term = next(a for a in found.alternatives if a.lever == "term")
    current = application[CREDIT] / application[ANNUITY]
    assert term.term in CounterfactualPolicy().terms
    assert term.application[ANNUITY] == pytest.approx(application[CREDIT] / term.term, abs=0.01)
    nearer = [t for t in CounterfactualPolicy().terms if abs(t - current) < abs(term.term - current)]
    candidates = [{**application, ANNUITY: round(application[CREDIT] / t, 2)} for t in nearer]
    assert all(score.decision == REFUSED for score in scorer.score(candidates))


def test_sentences_say_the_new_amount_and_term_in_both_languages(found, application):
    for alternative in found.alternatives:
        credit = alternative.application[CREDIT]
        en, fr = alternative.sentences["en"], alternative.sentences["fr"]
        assert money(credit, "en") in en and en.endswith("would be granted.")
        assert money(credit, "fr") in fr and fr.endswith("serait accordé.")
        if alternative.lever in {"term", "credit_term"}:
            assert f"over {alternative.term:.0f} annuities" in en
            assert f"en {alternative.term:.0f} échéances" in fr
        if alternative.lever == "credit":  # the application's term, 23.6 annuities: not said as such
            annuity = alternative.application[ANNUITY]
            assert f"with annuities of {money(annuity, 'en')}" in en and "over" not in en
            assert f"avec des échéances de {money(annuity, 'fr')}" in fr
        if alternative.lever == "co_borrower":
            added = alternative.application[INCOME] - application[INCOME]
            assert f"co-borrower earning {money(added, 'en')} a year" in en
            assert f"co-emprunteur gagnant {money(added, 'fr')} par an" in fr


def test_money_is_written_as_the_dashboard_writes_it():
    """One formatter (`credit_scoring.raw.loans.format_money`): narrow no-break spaces between the groups
    of thousands in French, a no-break space before the symbol."""
    assert money(420_000, "en") == format_money(420_000, "en") == "€420,000"
    assert money(420_000, "fr") == format_money(420_000, "fr") == "420\u202f000\u00a0€"
    assert money(-0.4, "en") == "€0"


def test_the_default_term_grid_is_the_raw_contract_s():
    assert CounterfactualPolicy().terms == TERMS_MONTHS
    assert tuple(DEMO_TERMS.tolist()) == TERMS_MONTHS
    with pytest.raises(ValueError, match="terms"):
        CounterfactualPolicy(terms=(0, 12))


def test_a_granted_application_is_an_error(scorer_at, application):
    with pytest.raises(AlreadyGrantedError, match="granted") as error:
        find_counterfactuals(scorer_at(1.0), application)
    assert isinstance(error.value, ValueError)


def test_no_alternative_when_no_lever_can_flip(scorer_at, application):
    nothing = find_counterfactuals(scorer_at(0.0), application, CounterfactualPolicy(co_borrower_income=True))
    assert nothing.alternatives == ()
    assert nothing.reason == NONE_WITHIN_BOUNDS
    assert set(nothing.reason_text) == {"en", "fr"}


def test_no_alternative_without_amounts(scorer, application):
    nothing = find_counterfactuals(scorer, {**application, CREDIT: None})
    assert nothing.alternatives == () and nothing.reason == NO_AMOUNTS


def test_a_revolving_loan_keeps_its_terms(scorer, application):
    revolving = {**application, "NAME_CONTRACT_TYPE": "Revolving loans"}
    if scorer.score([revolving])[0].decision == GRANTED:
        pytest.skip("the tiny model grants this revolving loan")
    found = find_counterfactuals(scorer, revolving, CounterfactualPolicy(max_alternatives=5))
    assert not {"term", "credit_term"} & {a.lever for a in found.alternatives}


@pytest.mark.parametrize("rate", [0.0, 0.015])
def test_term_and_annuity_are_inverse(rate: float):
    annuity = annuity_for(420_000, 30, rate)
    assert term_of(420_000, annuity, rate) == pytest.approx(30)
    assert annuity == pytest.approx(14_000) if rate == 0 else annuity > 14_000
    assert math.isinf(term_of(420_000, 420_000 * rate, rate)) if rate else True


class _AmountScorer:
    """A stand-in scorer whose probability is a function of the credit alone (counts what it scores)."""

    threshold = 0.5

    def __init__(self, probability: Callable[[float], float]) -> None:
        self.probability, self.scored = probability, 0

    def score(self, applications):
        self.scored += len(applications)
        return [
            Score(None, False, p, decision_label(p, self.threshold), self.threshold, "high", None, None)
            for p in (self.probability(float(a[CREDIT])) for a in applications)
        ]


def test_the_search_finds_a_boundary_within_one_step_whatever_the_shape():
    # refused above 300,000 and in a hole around 250,000: the boundary nearest the asked credit is found
    def shape(credit: float) -> float:
        return 0.9 if credit > 300_000 or 240_000 < credit < 260_000 else 0.1

    scorer = _AmountScorer(shape)
    asked = {CREDIT: 1_000_000.0, ANNUITY: 50_000.0, "NAME_CONTRACT_TYPE": "Revolving loans"}
    found = find_counterfactuals(scorer, asked)  # type: ignore[arg-type]
    credit = found.alternatives[0]
    assert credit.lever == "credit" and credit.application[CREDIT] == 300_000
    assert credit.application[ANNUITY] == 15_000  # the same term
    assert scorer.scored < 100  # of 1,600 candidates


def test_amounts_stay_within_their_bounds():
    below = amounts_below(1_145_500, 229_100, 500)
    assert below[0] == 1_145_000 and below[-1] == 229_500 and (below % 500 == 0).all()
    assert amounts_below(1_000, 600, 500).size == 0
    assert amounts_above(0, 157_300, 500)[-1] == 157_000
