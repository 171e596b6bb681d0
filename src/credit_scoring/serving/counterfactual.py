"""What would change the decision: for a refused application, the smallest realistic changes that make it
granted, each verified by scoring it with the serving model. Nothing here knows about HTTP.

What it searches (`LEVERS`, the one table of what may change):

- ``credit``: a smaller credit for the same goods (a down payment); the annuity follows at the same term.
- ``term``: another number of annuities from the lender's grid (`CounterfactualPolicy.terms`); the annuity
  follows from the credit and the term (``credit / term`` at a zero rate). Not for revolving loans.
- ``credit_term``: a smaller credit over another term (one search of the credit per term of the grid).
- ``goods``: a cheaper purchase; the credit keeps the application's credit-to-goods ratio, the annuity its
  term.
- ``co_borrower``: a co-borrower's income added to ``AMT_INCOME_TOTAL``, only when the policy allows it.

How: per lever, the candidates are ordered by growing change (amounts on a grid of ``amount_step``, from
the application's value to the bound), and a k-ary search (``probes_per_round`` candidates per round, every
lever in one batch through `Scorer.score`, as ``POST /predict`` scores) finds a granted candidate whose
neighbour one step less changed is refused (both scored: the boundary within one step, whatever the model's
shape between probes); the term grid is scored whole.

Bounds: a credit or goods price no lower than ``min_amount_share`` of the application's (nor the raw-data
contract's lower bound), terms of the grid, a co-borrower earning at most ``max_co_borrower_share`` of the
applicant's income. One alternative per lever, sorted by the size of the
change (the sum of the relative changes of the amounts and term the client chooses; followers not counted).

It never changes anything else: age, gender, family status, children, region or any field of a protected or
discrimination-ground family (`credit_scoring.features.families`) are not levers, and a test holds it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from credit_scoring.raw.loans import TERMS_MONTHS, format_money, group_digits
from credit_scoring.raw.schema import PLAUSIBLE_RANGES
from credit_scoring.serving.model import GRANTED
from credit_scoring.serving.scoring import Scorer

APPLICATION_TABLE = "application_test"
CREDIT, ANNUITY, GOODS, INCOME = "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"
CONTRACT_TYPE, REVOLVING = "NAME_CONTRACT_TYPE", "Revolving loans"
#: Families whose fields are never a lever: grounds of discrimination (besides the protected ones).
FORBIDDEN_FAMILIES = ("age_family", "region_address")


@dataclass(frozen=True)
class Lever:
    """Something a client can act on: the fields it may change, those the client chooses (``moves``: they
    size the change) and those that follow."""

    code: str
    moves: tuple[str, ...]
    follows: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.moves + self.follows


LEVERS: tuple[Lever, ...] = (
    Lever("credit", moves=(CREDIT,), follows=(ANNUITY,)),
    Lever("term", moves=(ANNUITY,)),  # the term is not a field: the annuity carries it
    Lever("credit_term", moves=(CREDIT, ANNUITY)),
    Lever("goods", moves=(GOODS,), follows=(CREDIT, ANNUITY)),
    Lever("co_borrower", moves=(INCOME,)),
)
LEVER_BY_CODE = {lever.code: lever for lever in LEVERS}
ACTIONABLE_FIELDS: frozenset[str] = frozenset(f for lever in LEVERS for f in lever.fields)


class CounterfactualPolicy(BaseModel):
    """The lender's bounds on the alternatives it may propose."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # no application field holds the term in the raw-data contract: the grid is the lender's
    # (`credit_scoring.raw.loans.TERMS_MONTHS`, the demo data's terms too)
    terms: tuple[Annotated[int, Field(ge=1, le=600)], ...] = Field(
        TERMS_MONTHS, min_length=1, description="Numbers of monthly annuities the lender may propose"
    )
    monthly_rate: float = Field(0.0, ge=0.0, lt=0.2, description="0: the annuity is credit / term")
    min_amount_share: float = Field(0.2, gt=0.0, lt=1.0, description="Lowest credit or price, as a share")
    amount_step: float = Field(500.0, gt=0.0, description="Amounts proposed are multiples of this")
    co_borrower_income: bool = Field(False, description="Whether a co-borrower's income may be proposed")
    max_co_borrower_share: float = Field(1.0, gt=0.0, description="Co-borrower's income / applicant's")
    max_alternatives: int = Field(3, ge=1, le=len(LEVERS))
    probes_per_round: int = Field(16, ge=1, le=256)


class AlreadyGrantedError(ValueError):
    """A counterfactual was asked for an application the model grants."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: float | None
    new: float


@dataclass(frozen=True)
class Alternative:
    """A changed application the serving model grants."""

    lever: str
    changes: tuple[FieldChange, ...]
    term: float | None  # number of annuities (None: not known, e.g. no annuity)
    probability: float
    decision: str
    change: float  # the size of the change: sum of relative changes of what the client chooses
    sentences: Mapping[str, str]  # {"en": ..., "fr": ...}
    application: Mapping[str, Any]


@dataclass(frozen=True)
class Counterfactuals:
    """The alternatives (at most ``max_alternatives``, smallest change first), or why there are none."""

    probability: float
    threshold: float
    alternatives: tuple[Alternative, ...]
    reason: str | None = None  # a code when there is no alternative
    reason_text: Mapping[str, str] = field(default_factory=dict)


NO_AMOUNTS, NONE_WITHIN_BOUNDS = "no_amounts", "none_within_bounds"
REASON_TEXTS = {
    NO_AMOUNTS: {
        "en": "The application gives no credit amount or annuity to change.",
        "fr": "La demande n'indique aucun montant de crédit ni échéance à modifier.",
    },
    NONE_WITHIN_BOUNDS: {
        "en": "No change of the amount, term or goods price within the lender's bounds would be granted.",
        "fr": "Aucune modification du montant, de la durée ou du prix du bien dans les limites du prêteur "
        "ne serait accordée.",
    },
}


# --- amounts and terms ----------------------------------------------------------------------------------


def annuity_for(credit: float, term: float, monthly_rate: float = 0.0) -> float:
    """The constant annuity repaying ``credit`` over ``term`` annuities (credit / term at a zero rate)."""
    if monthly_rate == 0.0:
        return credit / term
    return credit * monthly_rate / (1.0 - (1.0 + monthly_rate) ** -term)


def term_of(credit: float, annuity: float, monthly_rate: float = 0.0) -> float:
    """The number of annuities of ``annuity`` repaying ``credit`` (inf when they never do)."""
    if monthly_rate == 0.0:
        return credit / annuity
    share = monthly_rate * credit / annuity
    return math.inf if share >= 1.0 else -math.log(1.0 - share) / math.log(1.0 + monthly_rate)


def _contract_low(column: str) -> float:
    low = PLAUSIBLE_RANGES[APPLICATION_TABLE].get(column, (None, None))[0]
    return float(low) if low is not None else 0.0


def _contract_high(column: str) -> float:
    high = PLAUSIBLE_RANGES[APPLICATION_TABLE].get(column, (None, None))[1]
    return float(high) if high is not None else math.inf


def amounts_below(value: float, lowest: float, step: float) -> np.ndarray:
    """Multiples of ``step`` below ``value`` down to ``lowest`` (kept above 0), nearest first."""
    start = math.ceil(value / step - 1e-9) * step - step
    floor = max(lowest, step)
    return np.arange(start, floor - 1e-9, -step) if start >= floor else np.empty(0)


def amounts_above(value: float, highest: float, step: float) -> np.ndarray:
    """Multiples of ``step`` from ``step`` up to ``highest``, smallest first (an amount added)."""
    return np.arange(step, highest + 1e-9, step) if highest >= step else np.empty(0)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, (bool, str)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def money(amount: float, language: str) -> str:
    """``€420,000`` in English, ``420 000 €`` in French: `credit_scoring.raw.loans.format_money`, the
    dashboard's and the letter's format."""
    return format_money(amount, language)


def _whole(term: float) -> bool:
    return abs(term - round(term)) < 0.05


def _term_text(term: float, language: str) -> str:
    return group_digits(term, 0 if _whole(term) else 1, language)


# --- the search ------------------------------------------------------------------------------------------


@dataclass
class _Search:
    """The first granted candidate of one lever, candidates ordered by growing change (index -1: the
    application itself, refused)."""

    lever: Lever
    values: np.ndarray
    build: Callable[[float], dict[str, Any]]
    exhaustive: bool = False
    lo: int = -1  # largest index scored refused below `hi`
    hi: int | None = None  # smallest index scored granted
    probability: float = math.nan
    failed: bool = False

    @property
    def done(self) -> bool:
        return self.failed or (self.hi is not None and (self.exhaustive or self.hi == self.lo + 1))

    def probes(self, per_round: int) -> list[int]:
        if self.done:
            return []
        if len(self.values) == 0:
            self.failed = True
            return []
        if self.exhaustive:
            return list(range(len(self.values)))
        top = len(self.values) - 1 if self.hi is None else self.hi - 1
        if top - self.lo <= per_round:
            return list(range(self.lo + 1, top + 1))
        return sorted({math.ceil(x) for x in np.linspace(self.lo, top, per_round + 1)[1:]})

    def update(self, probes: list[int], probabilities: list[float], granted: list[bool]) -> None:
        scored = sorted(zip(probes, probabilities, granted, strict=True))
        first = next(((i, p) for i, p, ok in scored if ok), None)
        if first is not None:
            self.hi, self.probability = first
        limit = self.hi if self.hi is not None else len(self.values)
        self.lo = max([self.lo, *(i for i, _, ok in scored if not ok and i < limit)])
        if self.hi is None and (self.exhaustive or self.lo == len(self.values) - 1):
            self.failed = True

    @property
    def found(self) -> float | None:
        return None if self.hi is None else float(self.values[self.hi])


def _run(scorer: Scorer, searches: list[_Search], per_round: int) -> None:
    """Every search's rounds, all searches' probes of a round scored in one batch."""
    while True:
        batch = [(search, i) for search in searches for i in search.probes(per_round)]
        if not batch:
            return
        scores = scorer.score([search.build(float(search.values[i])) for search, i in batch])
        for search in searches:
            mine = [(i, s) for (owner, i), s in zip(batch, scores, strict=True) if owner is search]
            if mine:
                search.update(
                    [i for i, _ in mine],
                    [s.probability for _, s in mine],
                    [s.decision == GRANTED for _, s in mine],
                )


# --- the alternatives ------------------------------------------------------------------------------------


def _changed(application: Mapping[str, Any], **values: float) -> dict[str, Any]:
    return {**application, **values}


def _sentences(
    lever: str, app: Mapping[str, Any], term: float | None, added_income: float | None
) -> dict[str, str]:
    """The alternative in plain words, in English and French."""
    texts = {}
    credit, annuity = _number(app.get(CREDIT)) or 0.0, _number(app.get(ANNUITY))
    for language in ("en", "fr"):
        loan = (
            f"a credit of {money(credit, 'en')}"
            if language == "en"
            else f"un crédit de {money(credit, 'fr')}"
        )
        if annuity and term and math.isfinite(term) and _whole(term):
            term_text = _term_text(term, language)
            loan += (
                f" over {term_text} annuities of {money(annuity, 'en')}"
                if language == "en"
                else f" en {term_text} échéances de {money(annuity, 'fr')}"
            )
        elif annuity:  # a term of the application that is no whole number of annuities is not said
            loan += (
                f" with annuities of {money(annuity, 'en')}"
                if language == "en"
                else f" avec des échéances de {money(annuity, 'fr')}"
            )
        if lever == "goods":
            goods = money(_number(app.get(GOODS)) or 0.0, language)
            prefix = f"A purchase of {goods} with " if language == "en" else f"Un achat de {goods} avec "
            text = prefix + loan
        elif lever == "co_borrower":
            income = money(added_income or 0.0, language)
            text = (
                f"With a co-borrower earning {income} a year, {loan}"
                if language == "en"
                else f"Avec un co-emprunteur gagnant {income} par an, {loan}"
            )
        else:
            text = loan[0].upper() + loan[1:]
        texts[language] = text + (" would be granted." if language == "en" else " serait accordé.")
    return texts


def _alternative(
    search: _Search, original: Mapping[str, Any], terms: tuple[float | None, float | None]
) -> Alternative:
    """The alternative a finished search found; ``terms``: the application's term and the search's."""
    value = search.found
    assert value is not None
    application = search.build(value)
    changes = tuple(
        FieldChange(f, _number(original.get(f)), float(application[f]))
        for f in search.lever.fields
        if f in application and _number(application[f]) != _number(original.get(f))
    )
    old_term, new_term = terms
    size = 0.0
    for change in changes:
        if change.field in search.lever.moves and change.field != ANNUITY and change.old:
            size += abs(change.new - change.old) / abs(change.old)
    if search.lever.code in ("term", "credit_term") and old_term and new_term:
        size += abs(new_term - old_term) / old_term
    added = value if search.lever.code == "co_borrower" else None
    return Alternative(
        lever=search.lever.code,
        changes=changes,
        term=new_term,
        probability=search.probability,
        decision=GRANTED,
        change=size,
        sentences=_sentences(search.lever.code, application, new_term, added),
        application=application,
    )


def find_counterfactuals(
    scorer: Scorer, application: Mapping[str, Any], policy: CounterfactualPolicy | None = None
) -> Counterfactuals:
    """At most ``policy.max_alternatives`` granted alternatives of a refused application, smallest change
    first; none, with a reason, when no lever flips the decision within the bounds.

    Raises `AlreadyGrantedError` for a granted application, and the row builder's errors for an invalid one.
    """
    policy = policy or CounterfactualPolicy()
    app = dict(application)
    first = scorer.score([app])[0]
    if first.decision == GRANTED:
        raise AlreadyGrantedError(
            f"The application is granted (probability {first.probability:.3f} below the threshold "
            f"{first.threshold:.3f}): there is no decision to change"
        )

    def answer(alternatives: list[Alternative], reason: str | None) -> Counterfactuals:
        return Counterfactuals(
            first.probability, first.threshold, tuple(alternatives), reason, REASON_TEXTS.get(reason, {})
        )

    credit, annuity = _number(app.get(CREDIT)), _number(app.get(ANNUITY))
    if not credit or not annuity or credit <= 0 or annuity <= 0:
        return answer([], NO_AMOUNTS)
    rate, step = policy.monthly_rate, policy.amount_step
    term = term_of(credit, annuity, rate)
    lowest = max(_contract_low(CREDIT), policy.min_amount_share * credit)
    searches: list[_Search] = []
    search_terms: dict[int, float | None] = {}

    def at_term(months: float) -> Callable[[float], dict[str, Any]]:
        return lambda c: _changed(app, **{CREDIT: c, ANNUITY: round(annuity_for(c, months, rate), 2)})

    def same_term(c: float) -> dict[str, Any]:
        return _changed(app, **{CREDIT: c, ANNUITY: round(annuity * c / credit, 2)})

    credit_search = _Search(LEVER_BY_CODE["credit"], amounts_below(credit, lowest, step), same_term)
    searches.append(credit_search)
    search_terms[id(credit_search)] = term

    goods = _number(app.get(GOODS))
    if goods and goods > 0:
        ratio = credit / goods
        low_goods = max(_contract_low(GOODS), policy.min_amount_share * goods)

        def cheaper(g: float) -> dict[str, Any]:
            c = round(g * ratio, 2)
            return _changed(app, **{GOODS: g, CREDIT: c, ANNUITY: round(annuity * c / credit, 2)})

        goods_search = _Search(LEVER_BY_CODE["goods"], amounts_below(goods, low_goods, step), cheaper)
        searches.append(goods_search)
        search_terms[id(goods_search)] = term

    income = _number(app.get(INCOME))
    if policy.co_borrower_income and income and income > 0:
        top = min(policy.max_co_borrower_share * income, _contract_high(INCOME) - income)
        co_search = _Search(
            LEVER_BY_CODE["co_borrower"],
            amounts_above(0.0, top, step),
            lambda added: _changed(app, **{INCOME: income + added}),
        )
        searches.append(co_search)
        search_terms[id(co_search)] = term

    if app.get(CONTRACT_TYPE) != REVOLVING and math.isfinite(term):
        grid = sorted((t for t in policy.terms if abs(t - term) > 1e-9), key=lambda t: (abs(t - term), t))
        term_search = _Search(
            LEVER_BY_CODE["term"],
            np.asarray(grid, dtype=float),
            lambda months: _changed(app, **{ANNUITY: round(annuity_for(credit, months, rate), 2)}),
            exhaustive=True,
        )
        _run(scorer, [term_search], policy.probes_per_round)
        if term_search.found is not None:
            searches.append(term_search)
            search_terms[id(term_search)] = term_search.found
        # a smaller credit over each term that does not grant on its own (those that do need no credit cut)
        tried = grid if term_search.found is None else grid[: term_search.hi]
        for months in tried:
            pair = _Search(LEVER_BY_CODE["credit_term"], credit_search.values, at_term(months))
            searches.append(pair)
            search_terms[id(pair)] = float(months)

    _run(scorer, [s for s in searches if s.lever.code != "term"], policy.probes_per_round)
    best: dict[str, Alternative] = {}
    for search in searches:
        if search.found is None:
            continue
        alternative = _alternative(search, app, (term, search_terms[id(search)]))
        kept = best.get(alternative.lever)
        if kept is None or alternative.change < kept.change:
            best[alternative.lever] = alternative
    order = {lever.code: k for k, lever in enumerate(LEVERS)}
    ranked = sorted(best.values(), key=lambda a: (a.change, order[a.lever]))[: policy.max_alternatives]
    return answer(ranked, None if ranked else NONE_WITHIN_BOUNDS)
