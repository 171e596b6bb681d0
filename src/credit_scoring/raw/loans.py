"""Loans as the lender writes them: the grid of terms a cash loan is repaid over, and amounts in euros as an
adviser or a client reads them. The one place for both: the demo data draws its terms from the grid, the
counterfactual engine proposes terms of it, and the counterfactual sentences, the decision letter and the
dashboard format money with `format_money`.
"""

from __future__ import annotations

TERMS_MONTHS: tuple[int, ...] = (6, 10, 12, 18, 24, 30, 36, 42, 48, 54, 60)
"""Numbers of monthly annuities a cash loan may be repaid over (no application field holds the term: it is
the credit over the annuity at a zero rate)."""

CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£"}
FRENCH_GROUP = "\u202f"  # narrow no-break space between groups of thousands (French typography)
FRENCH_UNIT = "\u00a0"  # no-break space before a unit or a currency symbol


def group_digits(number: float, decimals: int, language: str) -> str:
    """``1,234,567.5`` in English, ``1 234 567,5`` in French (narrow no-break spaces); never ``-0``."""
    if round(number, decimals) == 0:
        number = 0.0
    text = f"{number:,.{decimals}f}"
    if language == "fr":
        text = text.replace(",", FRENCH_GROUP).replace(".", ",")
    return text


def format_money(amount: float, language: str, currency: str = "EUR", decimals: int = 0) -> str:
    """``€420,000`` in English, ``420 000 €`` in French (a no-break space before the symbol)."""
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    number = group_digits(amount, decimals, language)
    return f"{number}{FRENCH_UNIT}{symbol}" if language == "fr" else f"{symbol}{number}"
