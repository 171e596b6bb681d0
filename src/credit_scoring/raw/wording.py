"""Every level of the application's categorical columns in the words an adviser reads, English and
French: the one wording table of the recorded categories. The scoring reasons use it
(`credit_scoring.serving.reasons`), the API serves it (``GET /api/v1/wording``) and the dashboard shows what
the API says. Its levels are those of the raw-data contract (`credit_scoring.raw.schema.KNOWN_CATEGORIES`); a
test fails when a level lacks a wording.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "fr")

_YES_NO = {"Y": ("Yes", "Oui"), "N": ("No", "Non")}
_NUMBERED = (  # ORGANIZATION_TYPE "Industry: type 3", "Trade: type 2", ...: sector and type number
    ("Industry: type", "Industry", "Industrie", 13),
    ("Trade: type", "Trade", "Commerce", 7),
    ("Transport: type", "Transport", "Transport", 4),
    ("Business Entity Type", "Business entity", "Entreprise", 3),
)

LEVELS: dict[str, dict[str, tuple[str, str]]] = {
    "NAME_CONTRACT_TYPE": {
        "Cash loans": ("Cash loan", "Prêt d'espèces"),
        "Revolving loans": ("Revolving loan", "Crédit renouvelable"),
    },
    "CODE_GENDER": {"F": ("Woman", "Femme"), "M": ("Man", "Homme"), "XNA": ("Not stated", "Non précisé")},
    "FLAG_OWN_CAR": _YES_NO,
    "FLAG_OWN_REALTY": _YES_NO,
    "NAME_TYPE_SUITE": {
        "Unaccompanied": ("Unaccompanied", "Seul(e)"),
        "Family": ("Family", "Famille"),
        "Spouse, partner": ("Spouse or partner", "Conjoint(e)"),
        "Children": ("Children", "Enfants"),
        "Group of people": ("Group of people", "Groupe de personnes"),
        "Other_A": ("Other (A)", "Autre (A)"),
        "Other_B": ("Other (B)", "Autre (B)"),
    },
    "NAME_INCOME_TYPE": {
        "Working": ("Employee", "Salarié"),
        "Commercial associate": ("Commercial associate", "Associé commercial"),
        "Pensioner": ("Pensioner", "Retraité"),
        "State servant": ("Civil servant", "Fonctionnaire"),
        "Unemployed": ("Unemployed", "Sans emploi"),
        "Student": ("Student", "Étudiant"),
        "Businessman": ("Business owner", "Chef d'entreprise"),
        "Maternity leave": ("Maternity leave", "Congé maternité"),
    },
    "NAME_EDUCATION_TYPE": {
        "Secondary / secondary special": ("Secondary school", "Enseignement secondaire"),
        "Higher education": ("Higher education", "Enseignement supérieur"),
        "Incomplete higher": ("Higher education, not completed", "Études supérieures non terminées"),
        "Lower secondary": ("Lower secondary school", "Premier cycle du secondaire"),
        "Academic degree": ("Academic degree", "Diplôme universitaire"),
    },
    "NAME_FAMILY_STATUS": {
        "Married": ("Married", "Marié(e)"),
        "Single / not married": ("Single", "Célibataire"),
        "Civil marriage": ("Civil partnership", "Union civile"),
        "Separated": ("Separated", "Séparé(e)"),
        "Widow": ("Widowed", "Veuf ou veuve"),
        "Unknown": ("Unknown", "Inconnue"),
    },
    "NAME_HOUSING_TYPE": {
        "House / apartment": ("House or flat", "Maison ou appartement"),
        "With parents": ("With parents", "Chez les parents"),
        "Municipal apartment": ("Municipal flat", "Logement municipal"),
        "Rented apartment": ("Rented flat", "Appartement loué"),
        "Office apartment": ("Company flat", "Logement de fonction"),
        "Co-op apartment": ("Co-op flat", "Logement coopératif"),
    },
    "OCCUPATION_TYPE": {
        "Laborers": ("Labourer", "Ouvrier"),
        "Sales staff": ("Sales staff", "Vendeur"),
        "Core staff": ("Core staff", "Personnel de base"),
        "Managers": ("Manager", "Cadre"),
        "Drivers": ("Driver", "Chauffeur"),
        "High skill tech staff": ("Skilled technician", "Technicien qualifié"),
        "Accountants": ("Accountant", "Comptable"),
        "Medicine staff": ("Medical staff", "Personnel médical"),
        "Security staff": ("Security staff", "Agent de sécurité"),
        "Cooking staff": ("Cook", "Cuisinier"),
        "Cleaning staff": ("Cleaning staff", "Agent d'entretien"),
        "Private service staff": ("Private service staff", "Employé de service à la personne"),
        "Low-skill Laborers": ("Unskilled labourer", "Ouvrier non qualifié"),
        "Secretaries": ("Secretary", "Secrétaire"),
        "Waiters/barmen staff": ("Waiter or bartender", "Serveur ou barman"),
        "Realty agents": ("Estate agent", "Agent immobilier"),
        "HR staff": ("HR staff", "Employé des ressources humaines"),
        "IT staff": ("IT staff", "Informaticien"),
    },
    "WEEKDAY_APPR_PROCESS_START": {
        "MONDAY": ("Monday", "Lundi"),
        "TUESDAY": ("Tuesday", "Mardi"),
        "WEDNESDAY": ("Wednesday", "Mercredi"),
        "THURSDAY": ("Thursday", "Jeudi"),
        "FRIDAY": ("Friday", "Vendredi"),
        "SATURDAY": ("Saturday", "Samedi"),
        "SUNDAY": ("Sunday", "Dimanche"),
    },
    "ORGANIZATION_TYPE": {
        "Advertising": ("Advertising", "Publicité"),
        "Agriculture": ("Agriculture", "Agriculture"),
        "Bank": ("Bank", "Banque"),
        "Cleaning": ("Cleaning", "Nettoyage"),
        "Construction": ("Construction", "Bâtiment et travaux publics"),
        "Culture": ("Culture", "Culture"),
        "Electricity": ("Electricity", "Électricité"),
        "Emergency": ("Emergency services", "Services d'urgence"),
        "Government": ("Government", "Administration publique"),
        "Hotel": ("Hotels", "Hôtellerie"),
        "Housing": ("Housing", "Logement"),
        "Insurance": ("Insurance", "Assurance"),
        "Kindergarten": ("Kindergarten", "Crèche ou école maternelle"),
        "Legal Services": ("Legal services", "Services juridiques"),
        "Medicine": ("Health care", "Santé"),
        "Military": ("Armed forces", "Armée"),
        "Mobile": ("Mobile telephony", "Téléphonie mobile"),
        "Other": ("Other", "Autre"),
        "Police": ("Police", "Police"),
        "Postal": ("Postal services", "Services postaux"),
        "Realtor": ("Estate agency", "Agence immobilière"),
        "Religion": ("Religious organisation", "Organisation religieuse"),
        "Restaurant": ("Restaurants", "Restauration"),
        "School": ("School", "École"),
        "Security": ("Security", "Sécurité"),
        "Security Ministries": ("Security ministries", "Ministères de la sécurité"),
        "Self-employed": ("Self-employed", "Travailleur indépendant"),
        "Services": ("Services", "Prestation de services"),
        "Telecom": ("Telecommunications", "Télécommunications"),
        "University": ("University", "Université"),
        "XNA": ("No employer (not applicable)", "Sans employeur (non applicable)"),
        **{
            f"{level} {number}": (f"{english}, type {number}", f"{french}, type {number}")
            for level, english, french, count in _NUMBERED
            for number in range(1, count + 1)
        },
    },
    "FONDKAPREMONT_MODE": {
        "not specified": ("Not specified", "Non précisé"),
        "org spec account": ("Organisation's special account", "Compte spécial de l'organisme"),
        "reg oper account": ("Regional operator's account", "Compte de l'opérateur régional"),
        "reg oper spec account": (
            "Regional operator's special account",
            "Compte spécial de l'opérateur régional",
        ),
    },
    "HOUSETYPE_MODE": {
        "block of flats": ("Block of flats", "Immeuble collectif"),
        "specific housing": ("Specific housing", "Logement spécifique"),
        "terraced house": ("Terraced house", "Maison mitoyenne"),
    },
    "WALLSMATERIAL_MODE": {
        "Block": ("Concrete blocks", "Parpaings"),
        "Mixed": ("Mixed", "Mixte"),
        "Monolithic": ("Monolithic concrete", "Béton monolithique"),
        "Others": ("Other", "Autre"),
        "Panel": ("Panels", "Panneaux préfabriqués"),
        "Stone, brick": ("Stone or brick", "Pierre ou brique"),
        "Wooden": ("Wood", "Bois"),
    },
    "EMERGENCYSTATE_MODE": {"Yes": ("Yes", "Oui"), "No": ("No", "Non")},
}

_ANY_COLUMN: dict[str, tuple[str, str]] = {}
for _levels in LEVELS.values():
    for _level, _words in _levels.items():
        _ANY_COLUMN.setdefault(_level, _words)


def knows(column: str, level: Any) -> bool:
    """Whether ``level`` is a known level of the categorical ``column``."""
    return isinstance(level, str) and level in LEVELS.get(column, {})


def level_text(column: str | None, level: Any, language: str) -> str:
    """The adviser's wording of a recorded level in ``language`` ("fr", else English). A column outside the
    table (a history feature that repeats an application category) takes the same level's wording from any
    column; an unknown level is shown as recorded."""
    if not isinstance(level, str):
        return str(level)
    wording = LEVELS.get(column or "", {}).get(level) or _ANY_COLUMN.get(level)
    if wording is None:
        return level
    return wording[1] if language == "fr" else wording[0]


def wording_table(language: str) -> dict[str, dict[str, str]]:
    """{column: {recorded level: words}} in ``language``: what the API serves."""
    return {
        column: {level: level_text(column, level, language) for level in levels}
        for column, levels in LEVELS.items()
    }
