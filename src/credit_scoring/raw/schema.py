"""What valid raw data looks like: keys, known categories, plausible ranges and sentinel codes, per table.

Column names and types come from `credit_scoring.raw.tables`. The rules here are deliberately wide: they catch
files that are not what they claim to be (swapped columns, units, signs, typos in categories), not rare but
real values. Known categories are the levels of the full real files, a superset of the public sample profile.
"""

from __future__ import annotations

from collections.abc import Mapping

from credit_scoring.raw.tables import BUILDING_MEASURES, BUILDING_STATISTICS, RAW_TABLES

HUNDRED_YEARS_IN_DAYS = 36_525
NULL_CODES = ("XNA", "XAP")
"""Category codes meaning "not available" / "not applicable": cleaned to null plus an indicator column."""
UNKNOWN_CATEGORY = "Unknown level"
"""What a categorical value outside `KNOWN_CATEGORIES` becomes under ``unknown_categories: warn``: one level
for every unlisted value (a typo, a product launched after the lists were written), counted in the validation
report. Never one of the known levels."""


REQUIRED_NON_NULL: dict[str, tuple[str, ...]] = {
    "application_train": ("SK_ID_CURR", "TARGET"),
    "application_test": ("SK_ID_CURR",),
    "bureau": ("SK_ID_CURR", "SK_ID_BUREAU"),
    "bureau_balance": ("SK_ID_BUREAU", "MONTHS_BALANCE"),
    "previous_application": ("SK_ID_PREV", "SK_ID_CURR"),
    "POS_CASH_balance": ("SK_ID_PREV", "SK_ID_CURR", "MONTHS_BALANCE"),
    "installments_payments": ("SK_ID_PREV", "SK_ID_CURR"),
    "credit_card_balance": ("SK_ID_PREV", "SK_ID_CURR", "MONTHS_BALANCE"),
}
"""Identifier (and target) columns that may never be missing."""

UNIQUE_KEYS: dict[str, str] = {
    "application_train": "SK_ID_CURR",
    "application_test": "SK_ID_CURR",
    "bureau": "SK_ID_BUREAU",
    "previous_application": "SK_ID_PREV",
}
"""Columns whose values identify one row. Monthly and instalment tables legitimately repeat their keys."""

ROW_LABEL_KEYS: dict[str, tuple[str, ...]] = {
    "application_train": ("SK_ID_CURR",),
    "application_test": ("SK_ID_CURR",),
    "bureau": ("SK_ID_BUREAU", "SK_ID_CURR"),
    "bureau_balance": ("SK_ID_BUREAU", "MONTHS_BALANCE"),
    "previous_application": ("SK_ID_PREV", "SK_ID_CURR"),
    "POS_CASH_balance": ("SK_ID_PREV", "MONTHS_BALANCE"),
    "installments_payments": ("SK_ID_PREV", "NUM_INSTALMENT_NUMBER"),
    "credit_card_balance": ("SK_ID_PREV", "MONTHS_BALANCE"),
}
"""Columns shown next to an offending value so that a reader can find the row in the file."""

DAYS_SENTINEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "application_train": ("DAYS_EMPLOYED",),
    "application_test": ("DAYS_EMPLOYED",),
    "previous_application": (
        "DAYS_FIRST_DRAWING",
        "DAYS_FIRST_DUE",
        "DAYS_LAST_DUE_1ST_VERSION",
        "DAYS_LAST_DUE",
        "DAYS_TERMINATION",
    ),
}
"""Numeric columns where DAYS_SENTINEL (365243) means "no date" (pensioners, open-ended loans)."""

NULL_CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "application_train": ("CODE_GENDER", "ORGANIZATION_TYPE"),
    "application_test": ("CODE_GENDER", "ORGANIZATION_TYPE"),
    "previous_application": (
        "NAME_CONTRACT_TYPE",
        "NAME_CASH_LOAN_PURPOSE",
        "NAME_PAYMENT_TYPE",
        "CODE_REJECT_REASON",
        "NAME_CLIENT_TYPE",
        "NAME_GOODS_CATEGORY",
        "NAME_PORTFOLIO",
        "NAME_PRODUCT_TYPE",
        "NAME_SELLER_INDUSTRY",
        "NAME_YIELD_GROUP",
    ),
    "POS_CASH_balance": ("NAME_CONTRACT_STATUS",),
}
"""Categorical columns where XNA / XAP codes occur in the real files."""

_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SUITES = ("Unaccompanied", "Family", "Spouse, partner", "Children", "Other_A", "Other_B", "Group of people")
_ORGANIZATIONS = (
    "Business Entity Type 1",
    "Business Entity Type 2",
    "Business Entity Type 3",
    "XNA",
    "Self-employed",
    "Other",
    "Medicine",
    "Government",
    "School",
    "Kindergarten",
    "Construction",
    "Housing",
    "Security",
    "Military",
    "Agriculture",
    "Bank",
    "Postal",
    "Police",
    "Services",
    "Security Ministries",
    "Restaurant",
    "University",
    "Electricity",
    "Hotel",
    "Telecom",
    "Emergency",
    "Insurance",
    "Culture",
    "Advertising",
    "Realtor",
    "Mobile",
    "Legal Services",
    "Cleaning",
    "Religion",
    *(f"Trade: type {k}" for k in range(1, 8)),
    *(f"Industry: type {k}" for k in range(1, 14)),
    *(f"Transport: type {k}" for k in range(1, 5)),
)
_OCCUPATIONS = (
    "Laborers",
    "Sales staff",
    "Core staff",
    "Managers",
    "Drivers",
    "High skill tech staff",
    "Accountants",
    "Medicine staff",
    "Security staff",
    "Cooking staff",
    "Cleaning staff",
    "Private service staff",
    "Low-skill Laborers",
    "Secretaries",
    "Waiters/barmen staff",
    "Realty agents",
    "HR staff",
    "IT staff",
)
_APPLICATION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "NAME_CONTRACT_TYPE": ("Cash loans", "Revolving loans"),
    "CODE_GENDER": ("F", "M", "XNA"),
    "FLAG_OWN_CAR": ("N", "Y"),
    "FLAG_OWN_REALTY": ("N", "Y"),
    "NAME_TYPE_SUITE": _SUITES,
    "NAME_INCOME_TYPE": (
        "Working",
        "Commercial associate",
        "Pensioner",
        "State servant",
        "Unemployed",
        "Student",
        "Businessman",
        "Maternity leave",
    ),
    "NAME_EDUCATION_TYPE": (
        "Secondary / secondary special",
        "Higher education",
        "Incomplete higher",
        "Lower secondary",
        "Academic degree",
    ),
    "NAME_FAMILY_STATUS": (
        "Married",
        "Single / not married",
        "Civil marriage",
        "Separated",
        "Widow",
        "Unknown",
    ),
    "NAME_HOUSING_TYPE": (
        "House / apartment",
        "With parents",
        "Municipal apartment",
        "Rented apartment",
        "Office apartment",
        "Co-op apartment",
    ),
    "OCCUPATION_TYPE": _OCCUPATIONS,
    "WEEKDAY_APPR_PROCESS_START": _WEEKDAYS,
    "ORGANIZATION_TYPE": _ORGANIZATIONS,
    "FONDKAPREMONT_MODE": ("reg oper account", "reg oper spec account", "org spec account", "not specified"),
    "HOUSETYPE_MODE": ("block of flats", "specific housing", "terraced house"),
    "WALLSMATERIAL_MODE": ("Panel", "Stone, brick", "Block", "Wooden", "Mixed", "Monolithic", "Others"),
    "EMERGENCYSTATE_MODE": ("No", "Yes"),
}
KNOWN_CATEGORIES: dict[str, dict[str, frozenset[str]]] = {
    table: {column: frozenset(levels) for column, levels in columns.items()}
    for table, columns in {
        "application_train": _APPLICATION_CATEGORIES,
        "application_test": _APPLICATION_CATEGORIES,
        "bureau": {
            "CREDIT_ACTIVE": ("Closed", "Active", "Sold", "Bad debt"),
            "CREDIT_CURRENCY": ("currency 1", "currency 2", "currency 3", "currency 4"),
            "CREDIT_TYPE": (
                "Consumer credit",
                "Credit card",
                "Car loan",
                "Mortgage",
                "Microloan",
                "Loan for business development",
                "Another type of loan",
                "Unknown type of loan",
                "Loan for working capital replenishment",
                "Cash loan (non-earmarked)",
                "Real estate loan",
                "Loan for the purchase of equipment",
                "Loan for purchase of shares (margin lending)",
                "Interbank credit",
                "Mobile operator loan",
            ),
        },
        "bureau_balance": {"STATUS": ("C", "X", "0", "1", "2", "3", "4", "5")},
        "previous_application": {
            "NAME_CONTRACT_TYPE": ("Cash loans", "Consumer loans", "Revolving loans", "XNA"),
            "WEEKDAY_APPR_PROCESS_START": _WEEKDAYS,
            "FLAG_LAST_APPL_PER_CONTRACT": ("Y", "N"),
            "NAME_CASH_LOAN_PURPOSE": (
                "XAP",
                "XNA",
                "Repairs",
                "Other",
                "Urgent needs",
                "Buying a used car",
                "Everyday expenses",
                "Payments on other loans",
                "Building a house or an annex",
                "Medicine",
                "Education",
                "Buying a new car",
                "Buying a holiday home / land",
                "Car repairs",
                "Journey",
                "Purchase of electronic equipment",
                "Buying a home",
                "Furniture",
                "Wedding / gift / holiday",
                "Business development",
                "Gasification / water supply",
                "Hobby",
                "Buying a garage",
                "Money for a third person",
                "Refusal to name the goal",
            ),
            "NAME_CONTRACT_STATUS": ("Approved", "Canceled", "Refused", "Unused offer"),
            "NAME_PAYMENT_TYPE": (
                "Cash through the bank",
                "XNA",
                "Non-cash from your account",
                "Cashless from the account of the employer",
            ),
            "CODE_REJECT_REASON": ("XAP", "HC", "LIMIT", "SCO", "CLIENT", "SCOFR", "XNA", "VERIF", "SYSTEM"),
            "NAME_TYPE_SUITE": _SUITES,
            "NAME_CLIENT_TYPE": ("Repeater", "New", "Refreshed", "XNA"),
            "NAME_GOODS_CATEGORY": (
                "XNA",
                "Mobile",
                "Consumer Electronics",
                "Computers",
                "Audio/Video",
                "Furniture",
                "Construction Materials",
                "Clothing and Accessories",
                "Photo / Cinema Equipment",
                "Auto Accessories",
                "Jewelry",
                "Homewares",
                "Medical Supplies",
                "Vehicles",
                "Gardening",
                "Sport and Leisure",
                "Office Appliances",
                "Tourism",
                "Other",
                "Medicine",
                "Direct Sales",
                "Fitness",
                "Weapon",
                "Additional Service",
                "Education",
                "Insurance",
                "House Construction",
                "Animals",
            ),
            "NAME_PORTFOLIO": ("POS", "Cash", "XNA", "Cards", "Cars"),
            "NAME_PRODUCT_TYPE": ("XNA", "x-sell", "walk-in"),
            "CHANNEL_TYPE": (
                "Credit and cash offices",
                "Country-wide",
                "Stone",
                "Regional / Local",
                "Contact center",
                "AP+ (Cash loan)",
                "Channel of corporate sales",
                "Car dealer",
            ),
            "NAME_SELLER_INDUSTRY": (
                "XNA",
                "Consumer electronics",
                "Connectivity",
                "Furniture",
                "Construction",
                "Clothing",
                "Industry",
                "Auto technology",
                "Jewelry",
                "MLM partners",
                "Tourism",
            ),
            "NAME_YIELD_GROUP": ("XNA", "middle", "high", "low_normal", "low_action"),
            "PRODUCT_COMBINATION": (
                "Cash",
                "POS household with interest",
                "POS mobile with interest",
                "Cash X-Sell: middle",
                "Cash X-Sell: low",
                "Card Street",
                "POS industry with interest",
                "Card X-Sell",
                "POS household without interest",
                "Cash X-Sell: high",
                "Cash Street: high",
                "Cash Street: low",
                "Cash Street: middle",
                "POS mobile without interest",
                "POS other with interest",
                "POS industry without interest",
                "POS others without interest",
            ),
        },
        "POS_CASH_balance": {
            "NAME_CONTRACT_STATUS": (
                "Active",
                "Completed",
                "Signed",
                "Demand",
                "Returned to the store",
                "Approved",
                "Amortized debt",
                "Canceled",
                "XNA",
            ),
        },
        "credit_card_balance": {
            "NAME_CONTRACT_STATUS": (
                "Active",
                "Completed",
                "Signed",
                "Demand",
                "Sent proposal",
                "Refused",
                "Approved",
            ),
        },
        "installments_payments": {},
    }.items()
}
"""Every level a categorical column may take (the full real files have levels the public sample lacks)."""

Range = tuple[float | None, float | None]
_DAYS_PAST: Range = (-HUNDRED_YEARS_IN_DAYS, 0)
_DAYS_ANY: Range = (-2 * HUNDRED_YEARS_IN_DAYS, 2 * HUNDRED_YEARS_IN_DAYS)
_MONTHS_PAST: Range = (-1200, 0)
_NON_NEGATIVE: Range = (0, None)
_FLAG: Range = (0, 1)
_UNIT: Range = (0, 1)
BUILDING_COLUMNS = (
    *(f"{measure}_{stat}" for stat in BUILDING_STATISTICS for measure in BUILDING_MEASURES),
    "TOTALAREA_MODE",
)
DOCUMENT_FLAGS = tuple(f"FLAG_DOCUMENT_{k}" for k in range(2, 22))
CONTACT_FLAGS = (
    "FLAG_MOBIL",
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
)
ADDRESS_MISMATCH_FLAGS = (
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
)
BUREAU_REQUEST_COLUMNS = tuple(
    f"AMT_REQ_CREDIT_BUREAU_{period}" for period in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")
)
_APPLICATION_RANGES: dict[str, Range] = {
    "TARGET": _FLAG,
    "CNT_CHILDREN": (0, 50),
    "AMT_INCOME_TOTAL": _NON_NEGATIVE,
    "AMT_CREDIT": _NON_NEGATIVE,
    "AMT_ANNUITY": _NON_NEGATIVE,
    "AMT_GOODS_PRICE": _NON_NEGATIVE,
    "REGION_POPULATION_RELATIVE": _UNIT,
    "DAYS_BIRTH": (-HUNDRED_YEARS_IN_DAYS, -15 * 365),
    "DAYS_EMPLOYED": _DAYS_PAST,
    "DAYS_REGISTRATION": _DAYS_PAST,
    "DAYS_ID_PUBLISH": _DAYS_PAST,
    "OWN_CAR_AGE": (0, 100),
    "CNT_FAM_MEMBERS": (0, 50),
    # The real train file holds a -1 rating; anything else outside 1-3 is a broken file.
    "REGION_RATING_CLIENT": (-1, 3),
    "REGION_RATING_CLIENT_W_CITY": (-1, 3),
    "HOUR_APPR_PROCESS_START": (0, 23),
    "EXT_SOURCE_1": _UNIT,
    "EXT_SOURCE_2": _UNIT,
    "EXT_SOURCE_3": _UNIT,
    "OBS_30_CNT_SOCIAL_CIRCLE": (0, 10_000),
    "DEF_30_CNT_SOCIAL_CIRCLE": (0, 10_000),
    "OBS_60_CNT_SOCIAL_CIRCLE": (0, 10_000),
    "DEF_60_CNT_SOCIAL_CIRCLE": (0, 10_000),
    "DAYS_LAST_PHONE_CHANGE": _DAYS_PAST,
    **dict.fromkeys(CONTACT_FLAGS + ADDRESS_MISMATCH_FLAGS + DOCUMENT_FLAGS, _FLAG),
    **dict.fromkeys(BUILDING_COLUMNS, _UNIT),
    **dict.fromkeys(BUREAU_REQUEST_COLUMNS, (0, 10_000)),
}
PLAUSIBLE_RANGES: dict[str, dict[str, Range]] = {
    "application_train": _APPLICATION_RANGES,
    "application_test": {k: v for k, v in _APPLICATION_RANGES.items() if k != "TARGET"},
    "bureau": {
        "DAYS_CREDIT": _DAYS_PAST,
        "CREDIT_DAY_OVERDUE": (0, HUNDRED_YEARS_IN_DAYS),
        "DAYS_CREDIT_ENDDATE": _DAYS_ANY,
        "DAYS_ENDDATE_FACT": (-2 * HUNDRED_YEARS_IN_DAYS, 0),
        "AMT_CREDIT_MAX_OVERDUE": _NON_NEGATIVE,
        "CNT_CREDIT_PROLONG": (0, 1000),
        "AMT_CREDIT_SUM": _NON_NEGATIVE,
        "AMT_CREDIT_SUM_OVERDUE": _NON_NEGATIVE,
        "DAYS_CREDIT_UPDATE": _DAYS_ANY,
        "AMT_ANNUITY": _NON_NEGATIVE,
    },
    "bureau_balance": {"MONTHS_BALANCE": _MONTHS_PAST},
    "previous_application": {
        "AMT_ANNUITY": _NON_NEGATIVE,
        "AMT_APPLICATION": _NON_NEGATIVE,
        "AMT_CREDIT": _NON_NEGATIVE,
        "AMT_GOODS_PRICE": _NON_NEGATIVE,
        "HOUR_APPR_PROCESS_START": (0, 23),
        "NFLAG_LAST_APPL_IN_DAY": _FLAG,
        "RATE_DOWN_PAYMENT": (-0.01, 1),
        "RATE_INTEREST_PRIMARY": _UNIT,
        "RATE_INTEREST_PRIVILEGED": _UNIT,
        "DAYS_DECISION": _DAYS_PAST,
        "SELLERPLACE_AREA": (-1, None),
        "CNT_PAYMENT": (0, 1200),
        "DAYS_FIRST_DRAWING": _DAYS_ANY,
        "DAYS_FIRST_DUE": _DAYS_ANY,
        "DAYS_LAST_DUE_1ST_VERSION": _DAYS_ANY,
        "DAYS_LAST_DUE": _DAYS_ANY,
        "DAYS_TERMINATION": _DAYS_ANY,
        "NFLAG_INSURED_ON_APPROVAL": _FLAG,
    },
    "POS_CASH_balance": {
        "MONTHS_BALANCE": _MONTHS_PAST,
        "CNT_INSTALMENT": (0, 1200),
        "CNT_INSTALMENT_FUTURE": (0, 1200),
        "SK_DPD": _NON_NEGATIVE,
        "SK_DPD_DEF": _NON_NEGATIVE,
    },
    "installments_payments": {
        "NUM_INSTALMENT_VERSION": (0, 10_000),
        "NUM_INSTALMENT_NUMBER": (0, 100_000),
        "DAYS_INSTALMENT": _DAYS_ANY,
        "DAYS_ENTRY_PAYMENT": _DAYS_ANY,
        "AMT_INSTALMENT": _NON_NEGATIVE,
        "AMT_PAYMENT": _NON_NEGATIVE,
    },
    "credit_card_balance": {
        "MONTHS_BALANCE": _MONTHS_PAST,
        "AMT_CREDIT_LIMIT_ACTUAL": _NON_NEGATIVE,
        "AMT_INST_MIN_REGULARITY": _NON_NEGATIVE,
        "AMT_PAYMENT_CURRENT": _NON_NEGATIVE,
        "AMT_PAYMENT_TOTAL_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_ATM_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_OTHER_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_POS_CURRENT": _NON_NEGATIVE,
        "CNT_INSTALMENT_MATURE_CUM": _NON_NEGATIVE,
        "SK_DPD": _NON_NEGATIVE,
        "SK_DPD_DEF": _NON_NEGATIVE,
    },
}
"""Plausible [low, high] bounds (inclusive; None = open) of numeric columns, sentinels excepted.

Signed balances (bureau debt and limit, card balances, receivables and drawings) are only required to be
finite numbers: the real files hold negative values there (reversals), and a negative drawing is a refund, not
a broken file.
"""


def table_columns(table: str) -> Mapping[str, str]:
    """The expected columns of a raw table, in file order, with their kinds ("int64", "float64", "string")."""
    if table not in RAW_TABLES:
        raise KeyError(f"Unknown raw table {table!r}; expected one of {sorted(RAW_TABLES)}")
    return RAW_TABLES[table]


def _check_rules_refer_to_real_columns() -> None:
    """Fail at import if a rule names a column the table does not have (a typo would silently skip it)."""
    rule_sets = {
        "REQUIRED_NON_NULL": {t: list(c) for t, c in REQUIRED_NON_NULL.items()},
        "UNIQUE_KEYS": {t: [c] for t, c in UNIQUE_KEYS.items()},
        "ROW_LABEL_KEYS": {t: list(c) for t, c in ROW_LABEL_KEYS.items()},
        "DAYS_SENTINEL_COLUMNS": {t: list(c) for t, c in DAYS_SENTINEL_COLUMNS.items()},
        "NULL_CODE_COLUMNS": {t: list(c) for t, c in NULL_CODE_COLUMNS.items()},
        "KNOWN_CATEGORIES": {t: list(c) for t, c in KNOWN_CATEGORIES.items()},
        "PLAUSIBLE_RANGES": {t: list(c) for t, c in PLAUSIBLE_RANGES.items()},
    }
    for rule_name, tables in rule_sets.items():
        for table, columns in tables.items():
            unknown = [column for column in columns if column not in RAW_TABLES[table]]
            if unknown:
                raise ValueError(f"{rule_name}[{table!r}] names columns the table does not have: {unknown}")
    for table, columns in KNOWN_CATEGORIES.items():
        clashing = [column for column, levels in columns.items() if UNKNOWN_CATEGORY in levels]
        if clashing:
            raise ValueError(f"UNKNOWN_CATEGORY is a known level of {table!r} columns {clashing}")
    for table, columns in RAW_TABLES.items():
        untyped = [c for c, kind in columns.items() if kind == "string" and c not in KNOWN_CATEGORIES[table]]
        if untyped:
            raise ValueError(f"KNOWN_CATEGORIES[{table!r}] lacks the categorical columns {untyped}")


_check_rules_refer_to_real_columns()
