"""Plain-language labels (English, French) and units of the application fields, for the feature dictionary
(`credit_scoring.features.expressions.FeatureInfo`): the words advisers, clients and the API read.

Units: ``currency`` (amount in the loan currency), ``days`` (relative to the application, negative = before),
``years``, ``count``, ``flag`` (1 = yes, 0 = no), ``category``, ``score`` (0 to 1), ``normalized`` (0 to 1),
``hour``, ``rating``.
"""

from __future__ import annotations

from credit_scoring.raw.schema import BUILDING_COLUMNS

Label = tuple[str, str, str]  # (unit, English, French)

_APPLICATION_LABELS: dict[str, Label] = {
    "NAME_CONTRACT_TYPE": (
        "category",
        "Contract type (cash or revolving)",
        "Type de contrat (espèces ou renouvelable)",
    ),
    "CODE_GENDER": ("category", "Gender", "Genre"),
    "FLAG_OWN_CAR": ("category", "Owns a car", "Possède une voiture"),
    "FLAG_OWN_REALTY": ("category", "Owns a house or flat", "Possède un logement"),
    "CNT_CHILDREN": ("count", "Number of children", "Nombre d'enfants"),
    "AMT_INCOME_TOTAL": ("currency", "Total income", "Revenu total"),
    "AMT_CREDIT": ("currency", "Credit amount", "Montant du crédit"),
    "AMT_ANNUITY": ("currency", "Loan annuity", "Annuité du prêt"),
    "AMT_GOODS_PRICE": ("currency", "Price of the goods financed", "Prix du bien financé"),
    "NAME_TYPE_SUITE": ("category", "Accompanied by, when applying", "Accompagné de, lors de la demande"),
    "NAME_INCOME_TYPE": ("category", "Income type", "Type de revenu"),
    "NAME_EDUCATION_TYPE": ("category", "Highest education", "Niveau d'études"),
    "NAME_FAMILY_STATUS": ("category", "Family status", "Situation familiale"),
    "NAME_HOUSING_TYPE": ("category", "Housing situation", "Situation de logement"),
    "REGION_POPULATION_RELATIVE": (
        "normalized",
        "Population density of the home region",
        "Densité de population de la région",
    ),
    "DAYS_BIRTH": ("days", "Age (days before the application)", "Âge (jours avant la demande)"),
    "DAYS_EMPLOYED": (
        "days",
        "Time in current employment (days before the application)",
        "Ancienneté dans l'emploi actuel (jours avant la demande)",
    ),
    "DAYS_REGISTRATION": (
        "days",
        "Last change of registration (days before the application)",
        "Dernier changement d'enregistrement (jours avant la demande)",
    ),
    "DAYS_ID_PUBLISH": (
        "days",
        "Last change of identity document (days before the application)",
        "Dernier changement de pièce d'identité (jours avant la demande)",
    ),
    "OWN_CAR_AGE": ("years", "Age of the client's car", "Âge de la voiture du client"),
    "FLAG_MOBIL": ("flag", "Mobile phone given", "Téléphone portable fourni"),
    "FLAG_EMP_PHONE": ("flag", "Employer phone given", "Téléphone de l'employeur fourni"),
    "FLAG_WORK_PHONE": ("flag", "Work phone given", "Téléphone professionnel fourni"),
    "FLAG_CONT_MOBILE": ("flag", "Mobile phone reachable", "Téléphone portable joignable"),
    "FLAG_PHONE": ("flag", "Home phone given", "Téléphone fixe fourni"),
    "FLAG_EMAIL": ("flag", "Email given", "Adresse e-mail fournie"),
    "OCCUPATION_TYPE": ("category", "Occupation", "Profession"),
    "CNT_FAM_MEMBERS": ("count", "Number of family members", "Nombre de membres de la famille"),
    "REGION_RATING_CLIENT": ("rating", "Rating of the home region (1-3)", "Note de la région (1-3)"),
    "REGION_RATING_CLIENT_W_CITY": (
        "rating",
        "Rating of the home region and city (1-3)",
        "Note de la région et de la ville (1-3)",
    ),
    "WEEKDAY_APPR_PROCESS_START": (
        "category",
        "Weekday of the application",
        "Jour de la semaine de la demande",
    ),
    "HOUR_APPR_PROCESS_START": ("hour", "Hour of the application", "Heure de la demande"),
    "REG_REGION_NOT_LIVE_REGION": (
        "flag",
        "Permanent and contact addresses in different regions",
        "Adresses permanente et de contact dans des régions différentes",
    ),
    "REG_REGION_NOT_WORK_REGION": (
        "flag",
        "Permanent and work addresses in different regions",
        "Adresses permanente et professionnelle dans des régions différentes",
    ),
    "LIVE_REGION_NOT_WORK_REGION": (
        "flag",
        "Contact and work addresses in different regions",
        "Adresses de contact et professionnelle dans des régions différentes",
    ),
    "REG_CITY_NOT_LIVE_CITY": (
        "flag",
        "Permanent and contact addresses in different cities",
        "Adresses permanente et de contact dans des villes différentes",
    ),
    "REG_CITY_NOT_WORK_CITY": (
        "flag",
        "Permanent and work addresses in different cities",
        "Adresses permanente et professionnelle dans des villes différentes",
    ),
    "LIVE_CITY_NOT_WORK_CITY": (
        "flag",
        "Contact and work addresses in different cities",
        "Adresses de contact et professionnelle dans des villes différentes",
    ),
    "ORGANIZATION_TYPE": (
        "category",
        "Employer's type of organization",
        "Type d'organisation de l'employeur",
    ),
    "EXT_SOURCE_1": ("score", "External credit score 1", "Score de crédit externe 1"),
    "EXT_SOURCE_2": ("score", "External credit score 2", "Score de crédit externe 2"),
    "EXT_SOURCE_3": ("score", "External credit score 3", "Score de crédit externe 3"),
    "FONDKAPREMONT_MODE": (
        "category",
        "Building repair fund (most frequent)",
        "Fonds de réparation de l'immeuble",
    ),
    "HOUSETYPE_MODE": ("category", "Type of building (most frequent)", "Type d'immeuble"),
    "WALLSMATERIAL_MODE": ("category", "Wall material of the building", "Matériau des murs de l'immeuble"),
    "EMERGENCYSTATE_MODE": ("category", "Building in emergency state", "Immeuble en état d'urgence"),
    "OBS_30_CNT_SOCIAL_CIRCLE": (
        "count",
        "Acquaintances observed at 30 days past due",
        "Proches observés à 30 jours de retard",
    ),
    "DEF_30_CNT_SOCIAL_CIRCLE": (
        "count",
        "Acquaintances who defaulted at 30 days past due",
        "Proches en défaut à 30 jours de retard",
    ),
    "OBS_60_CNT_SOCIAL_CIRCLE": (
        "count",
        "Acquaintances observed at 60 days past due",
        "Proches observés à 60 jours de retard",
    ),
    "DEF_60_CNT_SOCIAL_CIRCLE": (
        "count",
        "Acquaintances who defaulted at 60 days past due",
        "Proches en défaut à 60 jours de retard",
    ),
    "DAYS_LAST_PHONE_CHANGE": (
        "days",
        "Last phone change (days before the application)",
        "Dernier changement de téléphone (jours avant la demande)",
    ),
}

_BUILDING_MEASURES: dict[str, tuple[str, str]] = {
    "APARTMENTS": ("apartment size", "taille des appartements"),
    "BASEMENTAREA": ("basement area", "surface du sous-sol"),
    "YEARS_BEGINEXPLUATATION": ("years since first use", "années depuis la mise en service"),
    "YEARS_BUILD": ("age of the building", "âge de l'immeuble"),
    "COMMONAREA": ("common area", "parties communes"),
    "ELEVATORS": ("number of elevators", "nombre d'ascenseurs"),
    "ENTRANCES": ("number of entrances", "nombre d'entrées"),
    "FLOORSMAX": ("highest floor", "étage le plus haut"),
    "FLOORSMIN": ("lowest floor", "étage le plus bas"),
    "LANDAREA": ("land area", "surface du terrain"),
    "LIVINGAPARTMENTS": ("living apartments", "logements habités"),
    "LIVINGAREA": ("living area", "surface habitable"),
    "NONLIVINGAPARTMENTS": ("non-living apartments", "locaux non habités"),
    "NONLIVINGAREA": ("non-living area", "surface non habitable"),
    "TOTALAREA": ("total area", "surface totale"),
}
_BUILDING_STATS = {
    "AVG": ("average", "moyenne"),
    "MODE": ("most frequent", "mode"),
    "MEDI": ("median", "médiane"),
}
_REQUEST_PERIODS = {
    "HOUR": ("in the hour before the application", "dans l'heure précédant la demande"),
    "DAY": (
        "in the day before (excluding the last hour)",
        "dans la journée précédente (hors dernière heure)",
    ),
    "WEEK": ("in the week before (excluding the last day)", "dans la semaine précédente (hors dernier jour)"),
    "MON": (
        "in the month before (excluding the last week)",
        "dans le mois précédent (hors dernière semaine)",
    ),
    "QRT": (
        "in the 3 months before (excluding the last month)",
        "dans les 3 mois précédents (hors dernier mois)",
    ),
    "YEAR": (
        "in the year before (excluding the last 3 months)",
        "dans l'année précédente (hors 3 derniers mois)",
    ),
}


def _generated_labels() -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for column in BUILDING_COLUMNS:
        measure, stat = column.rsplit("_", 1)
        measure_en, measure_fr = _BUILDING_MEASURES[measure]
        stat_en, stat_fr = _BUILDING_STATS[stat]
        labels[column] = (
            "normalized",
            f"Building: {measure_en} ({stat_en})",
            f"Immeuble : {measure_fr} ({stat_fr})",
        )
    for k in range(2, 22):
        labels[f"FLAG_DOCUMENT_{k}"] = ("flag", f"Document {k} provided", f"Document {k} fourni")
    for period, (en, fr) in _REQUEST_PERIODS.items():
        labels[f"AMT_REQ_CREDIT_BUREAU_{period}"] = (
            "count",
            f"Credit bureau enquiries {en}",
            f"Consultations du bureau de crédit {fr}",
        )
    return labels


APPLICATION_LABELS: dict[str, Label] = {**_APPLICATION_LABELS, **_generated_labels()}

#: How a time value reads to people where the label's hint would mislead (`FeatureInfo.reading`): an age in
#: whole years, the time in a job as a length whatever its sign.
READINGS: dict[str, str] = {"DAYS_BIRTH": "age", "DAYS_EMPLOYED": "duration"}
