# ruff: noqa: E501 - a translation table reads best one text per line
"""Every visible text in English and French, and number formatting for each language.

``t(key, lang, **values)`` returns the text for ``key`` in ``lang`` (``en`` or ``fr``), formatted with ``values``.
A missing key is a programming error (``KeyError``): a unit test checks that both languages have every key.
"""

from __future__ import annotations

import math
from typing import Any

from credit_scoring.raw.loans import format_money, group_digits

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    # --- header, navigation, page titles --------------------------------------------------------------
    "app.name": {"en": "Credit scoring — advisers", "fr": "Score de crédit — conseillers"},
    "app.skip": {"en": "Skip to main content", "fr": "Aller au contenu principal"},
    "app.language": {"en": "Language", "fr": "Langue"},
    "app.navigation": {"en": "Main navigation", "fr": "Navigation principale"},
    "app.footer": {
        "en": "Scores and explanations come from the scoring service, model {version}.",
        "fr": "Scores et explications fournis par le service de score, modèle {version}.",
    },
    "app.sign_out": {"en": "Sign out", "fr": "Se déconnecter"},
    "app.signed_in_as": {"en": "Signed in: {name}, {role}", "fr": "Connecté : {name}, {role}"},
    "role.adviser": {"en": "adviser", "fr": "conseiller"},
    "role.risk": {"en": "risk", "fr": "risques"},
    "role.admin": {"en": "administrator", "fr": "administrateur"},
    # --- sign-in page (dash_app.login_page) -------------------------------------------------------------
    "signin.title": {"en": "Sign in — Credit scoring", "fr": "Connexion — Score de crédit"},
    "signin.heading": {"en": "Sign in", "fr": "Connexion"},
    "signin.intro": {
        "en": "Sign in with the user name and password your administrator gave you.",
        "fr": "Connectez-vous avec le nom d'utilisateur et le mot de passe fournis par votre administrateur.",
    },
    "signin.username": {"en": "User name", "fr": "Nom d'utilisateur"},
    "signin.password": {"en": "Password", "fr": "Mot de passe"},
    "signin.submit": {"en": "Sign in", "fr": "Se connecter"},
    "signin.refused": {
        "en": "Wrong user name or password.",
        "fr": "Nom d'utilisateur ou mot de passe incorrect.",
    },
    "signin.missing": {
        "en": "Enter your user name and your password.",
        "fr": "Saisissez votre nom d'utilisateur et votre mot de passe.",
    },
    "signin.disabled": {
        "en": "This account is disabled. Ask an administrator to enable it.",
        "fr": "Ce compte est désactivé. Demandez à un administrateur de le réactiver.",
    },
    "signin.throttled": {
        "en": "Too many failed attempts. Try again in {minutes} min.",
        "fr": "Trop de tentatives échouées. Réessayez dans {minutes} min.",
    },
    "signin.expired": {
        "en": "Your session has ended. Sign in again.",
        "fr": "Votre session a pris fin. Reconnectez-vous.",
    },
    "signin.signed_out": {"en": "You are signed out.", "fr": "Vous êtes déconnecté."},
    "signin.form_expired": {
        "en": "The form had expired. Try again.",
        "fr": "Le formulaire avait expiré. Réessayez.",
    },
    "signin.unavailable": {
        "en": "Signing in is not possible right now: the audit trail cannot record it. Try again later.",
        "fr": "Connexion impossible pour le moment : le journal d'audit ne peut pas l'enregistrer. Réessayez plus tard.",
    },
    "signin.or": {"en": "Or:", "fr": "Ou :"},
    "signin.provider": {"en": "Sign in with {provider}", "fr": "Se connecter avec {provider}"},
    "signin.provider_failed": {
        "en": "Signing in through the identity provider failed. Try again, or ask an administrator.",
        "fr": "La connexion par le fournisseur d'identité a échoué. Réessayez, ou demandez à un administrateur.",
    },
    "signin.no_role": {
        "en": "Your account has no role in this application. Ask an administrator for access.",
        "fr": "Votre compte n'a pas de rôle dans cette application. Demandez l'accès à un administrateur.",
    },
    # --- administration (dash_app/pages/admin.py) --------------------------------------------------------
    "admin.heading": {"en": "Users and API keys", "fr": "Utilisateurs et clés d'API"},
    "admin.intro": {
        "en": "Every change is recorded in the audit trail in your name. New passwords and keys are shown once: hand them over securely.",
        "fr": "Chaque modification est enregistrée dans le journal d'audit à votre nom. Les nouveaux mots de passe et clés ne sont affichés qu'une fois : transmettez-les de façon sûre.",
    },
    "admin.users": {"en": "Users", "fr": "Utilisateurs"},
    "admin.keys": {"en": "API keys of the services", "fr": "Clés d'API des services"},
    "admin.col_name": {"en": "Name", "fr": "Nom"},
    "admin.col_role": {"en": "Role", "fr": "Rôle"},
    "admin.col_state": {"en": "State", "fr": "État"},
    "admin.col_last": {"en": "Last sign-in (UTC)", "fr": "Dernière connexion (UTC)"},
    "admin.col_scopes": {"en": "Scopes", "fr": "Périmètres"},
    "admin.col_status": {"en": "Status", "fr": "Statut"},
    "admin.col_expires": {"en": "Expires (UTC)", "fr": "Expire (UTC)"},
    "admin.enabled": {"en": "enabled", "fr": "actif"},
    "admin.disabled": {"en": "disabled", "fr": "désactivé"},
    "admin.never": {"en": "never", "fr": "jamais"},
    "admin.status_active": {"en": "active", "fr": "active"},
    "admin.status_expired": {"en": "expired", "fr": "expirée"},
    "admin.status_revoked": {"en": "revoked", "fr": "révoquée"},
    "admin.add_user": {"en": "Add a user", "fr": "Ajouter un utilisateur"},
    "admin.name": {"en": "User name", "fr": "Nom d'utilisateur"},
    "admin.role": {"en": "Role", "fr": "Rôle"},
    "admin.add": {"en": "Add", "fr": "Ajouter"},
    "admin.change_user": {"en": "Change a user", "fr": "Modifier un utilisateur"},
    "admin.user": {"en": "User", "fr": "Utilisateur"},
    "admin.change": {"en": "Change", "fr": "Modification"},
    "admin.apply": {"en": "Apply", "fr": "Appliquer"},
    "admin.choose": {"en": "Choose…", "fr": "Choisir…"},
    "admin.choose_both": {
        "en": "choose a user and a change",
        "fr": "choisissez un utilisateur et une modification",
    },
    "admin.choose_key": {"en": "choose a key", "fr": "choisissez une clé"},
    "admin.change_role": {"en": "Give the role: {role}", "fr": "Donner le rôle : {role}"},
    "admin.change_disable": {
        "en": "Disable (ends their sessions)",
        "fr": "Désactiver (met fin à ses sessions)",
    },
    "admin.change_enable": {"en": "Enable", "fr": "Réactiver"},
    "admin.change_reset_password": {"en": "Reset the password", "fr": "Réinitialiser le mot de passe"},
    "admin.added": {
        "en": "{name} added ({role}). Their password, shown only now:",
        "fr": "{name} ajouté ({role}). Son mot de passe, affiché seulement maintenant :",
    },
    "admin.password_reset": {
        "en": "New password of {name}, shown only now:",
        "fr": "Nouveau mot de passe de {name}, affiché seulement maintenant :",
    },
    "admin.changed": {"en": "{name}: {state}, {role}.", "fr": "{name} : {state}, {role}."},
    "admin.create_key": {"en": "Create a key", "fr": "Créer une clé"},
    "admin.key_name": {"en": "Key name (the service)", "fr": "Nom de la clé (le service)"},
    "admin.scopes": {"en": "Scopes", "fr": "Périmètres"},
    "admin.expires": {"en": "Valid through (optional)", "fr": "Valable jusqu'au (facultatif)"},
    "admin.create": {"en": "Create", "fr": "Créer"},
    "admin.revoke_key": {"en": "Revoke a key", "fr": "Révoquer une clé"},
    "admin.key": {"en": "Key", "fr": "Clé"},
    "admin.revoke": {"en": "Revoke", "fr": "Révoquer"},
    "admin.key_created": {
        "en": "Key {name} created. Copy it now: it will not be shown again.",
        "fr": "Clé {name} créée. Copiez-la maintenant : elle ne sera plus affichée.",
    },
    "admin.key_revoked": {"en": "Key {name} revoked.", "fr": "Clé {name} révoquée."},
    "admin.refused": {"en": "Not done: {message}", "fr": "Non effectué : {message}"},
    "forbidden.title": {"en": "Access refused — Credit scoring", "fr": "Accès refusé — Score de crédit"},
    "forbidden.heading": {"en": "Access refused", "fr": "Accès refusé"},
    "forbidden.text": {
        "en": "Your role ({role}) does not give access to this page. Ask an administrator if you need it.",
        "fr": "Votre rôle ({role}) ne donne pas accès à cette page. Demandez-le à un administrateur si besoin.",
    },
    "nav.search": {"en": "Find a client", "fr": "Trouver un client"},
    "nav.client": {"en": "Score and profile", "fr": "Score et profil"},
    "nav.compare": {"en": "Compare", "fr": "Comparer"},
    "nav.whatif": {"en": "What if", "fr": "Simulation"},
    "nav.model": {"en": "The model", "fr": "Le modèle"},
    "nav.monitoring": {"en": "Monitoring", "fr": "Surveillance"},
    "nav.admin": {"en": "Administration", "fr": "Administration"},
    "title.search": {"en": "Find a client — Credit scoring", "fr": "Trouver un client — Score de crédit"},
    "title.client": {"en": "Score and profile — Credit scoring", "fr": "Score et profil — Score de crédit"},
    "title.compare": {"en": "Compare — Credit scoring", "fr": "Comparer — Score de crédit"},
    "title.whatif": {"en": "What if — Credit scoring", "fr": "Simulation — Score de crédit"},
    "title.model": {"en": "The model — Credit scoring", "fr": "Le modèle — Score de crédit"},
    "title.monitoring": {"en": "Monitoring — Credit scoring", "fr": "Surveillance — Score de crédit"},
    "title.admin": {"en": "Administration — Credit scoring", "fr": "Administration — Score de crédit"},
    "title.not_found": {"en": "Page not found — Credit scoring", "fr": "Page introuvable — Score de crédit"},
    "notfound.heading": {"en": "Page not found", "fr": "Page introuvable"},
    "notfound.back": {"en": "Back to the client search", "fr": "Retour à la recherche de clients"},
    # --- common -----------------------------------------------------------------------------------------
    "common.granted": {"en": "Granted", "fr": "Accordé"},
    "common.refused": {"en": "Refused", "fr": "Refusé"},
    "common.client": {"en": "Client {client_id}", "fr": "Client {client_id}"},
    "common.no_client": {
        "en": "No client selected. Find a client first.",
        "fr": "Aucun client sélectionné. Cherchez d'abord un client.",
    },
    "common.go_search": {"en": "Go to the client search", "fr": "Aller à la recherche de clients"},
    "common.error": {
        "en": "The data could not be loaded: {message}",
        "fr": "Données indisponibles : {message}",
    },
    "common.data_table": {
        "en": "Show the data as a table",
        "fr": "Afficher les données sous forme de tableau",
    },
    "common.loading": {"en": "Loading…", "fr": "Chargement…"},
    "common.any": {"en": "Any", "fr": "Tous"},
    "common.missing": {"en": "not provided", "fr": "non renseigné"},
    "common.yes": {"en": "Yes", "fr": "Oui"},
    "common.no": {"en": "No", "fr": "Non"},
    "common.min": {"en": "minimum", "fr": "minimum"},
    "common.max": {"en": "maximum", "fr": "maximum"},
    "common.value": {"en": "Value", "fr": "Valeur"},
    "common.feature": {"en": "Characteristic", "fr": "Caractéristique"},
    "common.count": {"en": "Number of clients", "fr": "Nombre de clients"},
    "common.years": {"en": "{value} years", "fr": "{value} ans"},
    "common.open_client": {"en": "Open client {client_id}", "fr": "Ouvrir le client {client_id}"},
    # --- risk bands ----------------------------------------------------------------------------------------
    "band.very_low": {"en": "Very low risk", "fr": "Risque très faible"},
    "band.low": {"en": "Low risk", "fr": "Risque faible"},
    "band.medium": {"en": "Moderate risk", "fr": "Risque modéré"},
    "band.moderate": {"en": "Moderate risk", "fr": "Risque modéré"},
    "band.high": {"en": "High risk", "fr": "Risque élevé"},
    "band.very_high": {"en": "Very high risk", "fr": "Risque très élevé"},
    # --- search page ----------------------------------------------------------------------------------------
    "search.heading": {"en": "Find a client", "fr": "Trouver un client"},
    "search.by_id": {"en": "By client number", "fr": "Par numéro de client"},
    "search.id_label": {"en": "Client number", "fr": "Numéro de client"},
    "search.open": {"en": "Open this client", "fr": "Ouvrir ce client"},
    "search.id_invalid": {
        "en": "Enter a client number made of digits only.",
        "fr": "Saisissez un numéro de client composé uniquement de chiffres.",
    },
    "search.by_filters": {"en": "By characteristics", "fr": "Par caractéristiques"},
    "search.decision": {"en": "Decision", "fr": "Décision"},
    "search.risk_band": {"en": "Risk band", "fr": "Niveau de risque"},
    "search.contract_type": {"en": "Contract type", "fr": "Type de contrat"},
    "search.gender": {"en": "Gender", "fr": "Genre"},
    "search.age": {"en": "Age (years)", "fr": "Âge (ans)"},
    "search.income": {"en": "Total income", "fr": "Revenu total"},
    "search.credit": {"en": "Credit amount", "fr": "Montant du crédit"},
    "search.submit": {"en": "Search", "fr": "Rechercher"},
    "search.reset": {"en": "Clear the filters", "fr": "Effacer les filtres"},
    "search.results": {"en": "Results", "fr": "Résultats"},
    "search.count": {
        "en": "{total} clients match; page {page} of {pages}.",
        "fr": "{total} clients correspondent ; page {page} sur {pages}.",
    },
    "search.none": {
        "en": "No client matches these filters.",
        "fr": "Aucun client ne correspond à ces filtres.",
    },
    "search.previous": {"en": "Previous page", "fr": "Page précédente"},
    "search.next": {"en": "Next page", "fr": "Page suivante"},
    "search.col_id": {"en": "Client", "fr": "Client"},
    "search.col_probability": {"en": "Risk of default", "fr": "Risque de défaut"},
    "search.col_decision": {"en": "Decision", "fr": "Décision"},
    "search.col_band": {"en": "Risk band", "fr": "Niveau de risque"},
    "search.col_contract": {"en": "Contract", "fr": "Contrat"},
    "search.col_age": {"en": "Age", "fr": "Âge"},
    "search.col_income": {"en": "Income", "fr": "Revenu"},
    "search.col_credit": {"en": "Credit", "fr": "Crédit"},
    "search.col_action": {"en": "Action", "fr": "Action"},
    "search.range_error": {
        "en": "{field}: the minimum is above the maximum.",
        "fr": "{field} : le minimum dépasse le maximum.",
    },
    # --- score ---------------------------------------------------------------------------------------------------
    "score.heading": {"en": "Score of client {client_id}", "fr": "Score du client {client_id}"},
    "score.decision": {"en": "Decision: {decision}", "fr": "Décision : {decision}"},
    "score.sentence_refused": {
        "en": "The estimated risk is {probability}, above the {threshold} limit: the application would be refused.",
        "fr": "Le risque estimé est de {probability}, au-dessus de la limite de {threshold} : "
        "la demande serait refusée.",
    },
    "score.sentence_granted": {
        "en": "The estimated risk is {probability}, below the {threshold} limit: the application would be granted.",
        "fr": "Le risque estimé est de {probability}, en dessous de la limite de {threshold} : "
        "la demande serait accordée.",
    },
    "score.gauge_title": {"en": "Estimated risk of default", "fr": "Risque de défaut estimé"},
    "score.gauge_limit": {"en": "Limit {threshold}", "fr": "Limite {threshold}"},
    "score.zone_granted": {"en": "granted below", "fr": "accordé en dessous"},
    "score.zone_refused": {"en": "refused above", "fr": "refusé au-dessus"},
    "score.band": {"en": "Risk band: {band}", "fr": "Niveau de risque : {band}"},
    "score.model_version": {"en": "Model version {version}", "fr": "Version du modèle {version}"},
    "score.gauge_table_measure": {"en": "Measure", "fr": "Mesure"},
    "score.gauge_probability": {"en": "Estimated risk of default", "fr": "Risque de défaut estimé"},
    "score.gauge_threshold": {"en": "Decision limit", "fr": "Limite de décision"},
    "score.reasons_heading": {"en": "Why this score", "fr": "Pourquoi ce score"},
    "score.reasons_against": {"en": "What raises the risk", "fr": "Ce qui augmente le risque"},
    "score.reasons_for": {"en": "What lowers the risk", "fr": "Ce qui diminue le risque"},
    "score.reasons_none": {"en": "Nothing notable.", "fr": "Rien de notable."},
    "score.raises": {"en": "Raises the risk", "fr": "Augmente le risque"},
    "score.lowers": {"en": "Lowers the risk", "fr": "Diminue le risque"},
    "score.contributions_title": {
        "en": "Main reasons and their weight",
        "fr": "Principales raisons et leur poids",
    },
    "score.contribution_axis": {
        "en": "Contribution to the risk (model units)",
        "fr": "Contribution au risque (unités du modèle)",
    },
    "score.contributions_summary": {
        "en": "{n_raise} reasons raise the risk, the strongest being {top_raise}; "
        "{n_lower} lower it, the strongest being {top_lower}.",
        "fr": "{n_raise} raisons augmentent le risque, la plus forte étant {top_raise} ; "
        "{n_lower} le diminuent, la plus forte étant {top_lower}.",
    },
    "score.none": {"en": "none", "fr": "aucune"},
    "score.col_reason": {"en": "Reason", "fr": "Raison"},
    "score.col_values": {
        "en": "The client's values that weigh most",
        "fr": "Valeurs du client qui pèsent le plus",
    },
    "score.col_effect": {"en": "Effect", "fr": "Effet"},
    "score.col_contribution": {"en": "Contribution", "fr": "Contribution"},
    "score.refusal_heading": {
        "en": "Reasons for refusal the client may be told",
        "fr": "Motifs de refus pouvant être communiqués au client",
    },
    "score.refusal_intro": {
        "en": "The reasons raising the risk most that the lender's policy allows a refusal to give, strongest first:",
        "fr": "Les raisons qui augmentent le plus le risque et que la politique du prêteur permet de donner pour un refus, de la plus forte à la plus faible :",
    },
    "score.refusal_none": {
        "en": "Under the lender's policy, no reason for this refusal may be given to the client: none of the factors raising the risk is one a refusal may name.",
        "fr": "Selon la politique du prêteur, aucun motif de ce refus ne peut être communiqué au client : aucun des facteurs qui augmentent le risque ne peut être cité dans un refus.",
    },
    "score.refusal_full": {
        "en": "The full explanation above keeps every factor, including those a refusal may not name.",
        "fr": "L'explication complète ci-dessus garde tous les facteurs, y compris ceux qu'un refus ne peut pas citer.",
    },
    "score.gauge_summary": {
        "en": "Gauge: estimated risk {probability} against a limit of {threshold}; decision: {decision}.",
        "fr": "Jauge : risque estimé {probability} pour une limite de {threshold} ; décision : {decision}.",
    },
    # --- client information ------------------------------------------------------------------------------------
    "info.heading": {"en": "Client information", "fr": "Informations du client"},
    "info.none": {"en": "No information for this client.", "fr": "Aucune information pour ce client."},
    "info.not_employed": {"en": "not employed (pension or other)", "fr": "sans emploi (retraite ou autre)"},
    "info.term": {"en": "Term (number of annuities)", "fr": "Durée (nombre d'annuités)"},
    "info.group_person": {"en": "Person", "fr": "Personne"},
    "info.group_work": {"en": "Work and income", "fr": "Emploi et revenus"},
    "info.group_loan": {"en": "Application", "fr": "Demande"},
    # --- compare ------------------------------------------------------------------------------------------------
    "compare.heading": {"en": "Compare client {client_id}", "fr": "Comparer le client {client_id}"},
    "compare.univariate": {"en": "One characteristic", "fr": "Une caractéristique"},
    "compare.feature": {"en": "Characteristic", "fr": "Caractéristique"},
    "compare.group": {"en": "Compared with", "fr": "Comparé à"},
    "compare.group_all": {"en": "All clients", "fr": "Tous les clients"},
    "compare.group_filtered": {"en": "A group (filters below)", "fr": "Un groupe (filtres ci-dessous)"},
    "compare.group_similar": {"en": "The most similar clients", "fr": "Les clients les plus proches"},
    "compare.group_filters": {"en": "Group filters", "fr": "Filtres du groupe"},
    "compare.bivariate": {"en": "Two characteristics", "fr": "Deux caractéristiques"},
    "compare.x": {"en": "Horizontal axis", "fr": "Axe horizontal"},
    "compare.y": {"en": "Vertical axis", "fr": "Axe vertical"},
    "compare.color_by": {"en": "Colour by", "fr": "Couleur selon"},
    "compare.color_decision": {"en": "Decision", "fr": "Décision"},
    "compare.color_score": {"en": "Risk of default", "fr": "Risque de défaut"},
    "compare.this_client": {"en": "This client", "fr": "Ce client"},
    "compare.client_value": {"en": "This client: {value}", "fr": "Ce client : {value}"},
    "compare.dist_summary": {
        "en": "Among {n} clients ({group}), the median {feature} is {median}; this client's value, {value}, "
        "is higher than that of {share} of them.",
        "fr": "Parmi {n} clients ({group}), la valeur médiane de « {feature} » est {median} ; celle de ce client, "
        "{value}, dépasse celle de {share} d'entre eux.",
    },
    "compare.dist_summary_missing": {
        "en": "Among {n} clients ({group}), the median {feature} is {median}; this client's value is not provided.",
        "fr": "Parmi {n} clients ({group}), la valeur médiane de « {feature} » est {median} ; "
        "la valeur de ce client n'est pas renseignée.",
    },
    "compare.dist_empty": {
        "en": "No client of this group has a value for this characteristic.",
        "fr": "Aucun client de ce groupe n'a de valeur pour cette caractéristique.",
    },
    "compare.cat_summary": {
        "en": "Among {n} clients ({group}), {share} share this client's value, {value}.",
        "fr": "Parmi {n} clients ({group}), {share} partagent la valeur de ce client, {value}.",
    },
    "compare.show": {"en": "Show this group", "fr": "Afficher ce groupe"},
    "compare.filters_help": {
        "en": "Used when the comparison group is “A group”.",
        "fr": "Utilisés quand le groupe de comparaison est « Un groupe ».",
    },
    "compare.bin": {"en": "Range", "fr": "Intervalle"},
    "compare.biv_summary": {
        "en": "{n} clients shown: {n_granted} granted, {n_refused} refused. This client: {x_label} {x}, "
        "{y_label} {y}.",
        "fr": "{n} clients affichés : {n_granted} accordés, {n_refused} refusés. Ce client : {x_label} {x}, "
        "{y_label} {y}.",
    },
    "compare.biv_table_note": {
        "en": "The table lists the first {n} clients of the sample.",
        "fr": "Le tableau liste les {n} premiers clients de l'échantillon.",
    },
    "compare.similar_note": {
        "en": "The {k} most similar clients: observed default rate {rate}.",
        "fr": "Les {k} clients les plus proches : taux de défaut observé {rate}.",
    },
    "compare.similar_note_unknown": {
        "en": "The {k} most similar clients (observed default rate unknown).",
        "fr": "Les {k} clients les plus proches (taux de défaut observé inconnu).",
    },
    # --- what if ------------------------------------------------------------------------------------------------
    "whatif.heading": {"en": "What if — client {client_id}", "fr": "Simulation — client {client_id}"},
    "whatif.intro": {
        "en": "Change a few fields of the application and recompute the score. Nothing is saved.",
        "fr": "Modifiez quelques champs de la demande et recalculez le score. Rien n'est enregistré.",
    },
    "whatif.term_help": {
        "en": "Changing the term recomputes the annuity as credit amount ÷ term (interest not included).",
        "fr": "Changer la durée recalcule l'annuité : montant du crédit ÷ durée (hors intérêts).",
    },
    "whatif.submit": {"en": "Recompute the score", "fr": "Recalculer le score"},
    "whatif.reset": {"en": "Back to the client's values", "fr": "Revenir aux valeurs du client"},
    "whatif.before": {"en": "Current application", "fr": "Demande actuelle"},
    "whatif.after": {"en": "Simulated application", "fr": "Demande simulée"},
    "whatif.changed": {
        "en": "The decision changes from {before} to {after}.",
        "fr": "La décision passe de « {before} » à « {after} ».",
    },
    "whatif.unchanged": {"en": "The decision stays {decision}.", "fr": "La décision reste « {decision} »."},
    "whatif.invalid": {
        "en": "{field}: enter a positive number.",
        "fr": "{field} : saisissez un nombre positif.",
    },
    # --- new application (dash_app/pages/new_application.py): form, score, alternatives, letter --------------
    "nav.new_application": {"en": "New application", "fr": "Nouvelle demande"},
    "title.new_application": {
        "en": "New application — Credit scoring",
        "fr": "Nouvelle demande — Score de crédit",
    },
    "newapp.heading": {"en": "A new application", "fr": "Une nouvelle demande"},
    "newapp.intro": {
        "en": "Enter the application of a new applicant and score it. The score is a real decision: it is recorded.",
        "fr": "Saisissez la demande d'un nouveau demandeur et calculez son score. Le score est une vraie décision : il est enregistré.",
    },
    "newapp.no_history": {
        "en": "A new applicant has no history with us: the score uses the application alone, and the model treats the missing history as it treats any applicant without one.",
        "fr": "Un nouveau demandeur n'a pas d'historique chez nous : le score repose sur la seule demande, et le modèle traite l'historique manquant comme pour tout demandeur qui n'en a pas.",
    },
    "newapp.required_note": {
        "en": "Fields marked * are required; the others may be left empty.",
        "fr": "Les champs marqués * sont obligatoires ; les autres peuvent rester vides.",
    },
    "newapp.required_mark": {"en": "{label} *", "fr": "{label} *"},
    "newapp.unit_years": {"en": "{label} (years)", "fr": "{label} (années)"},
    "newapp.unit_currency": {"en": "{label} ({symbol})", "fr": "{label} ({symbol})"},
    "newapp.choose": {"en": "Not given", "fr": "Non renseigné"},
    "newapp.employment_help": {
        "en": "Leave empty when not employed (pension or other).",
        "fr": "Laisser vide en l'absence d'emploi (retraite ou autre).",
    },
    "newapp.group_scores": {"en": "External credit scores", "fr": "Scores de crédit externes"},
    "newapp.score_help": {
        "en": "From 0 to 1, as the external source gives it; leave empty when not known.",
        "fr": "De 0 à 1, tel que fourni par la source externe ; laisser vide s'il n'est pas connu.",
    },
    "newapp.submit": {"en": "Score this application", "fr": "Calculer le score de cette demande"},
    "newapp.clear": {"en": "Clear the form", "fr": "Vider le formulaire"},
    "newapp.error_empty": {
        "en": "The form is empty: enter at least {fields}.",
        "fr": "Le formulaire est vide : saisissez au moins {fields}.",
    },
    "newapp.error_summary": {
        "en": "{n} field(s) need attention: see the messages next to them.",
        "fr": "{n} champ(s) à corriger : voir les messages à côté.",
    },
    "newapp.error_required": {"en": "{field}: required.", "fr": "{field} : obligatoire."},
    "newapp.error_number": {"en": "{field}: enter a number.", "fr": "{field} : saisissez un nombre."},
    "newapp.error_whole": {
        "en": "{field}: enter a whole number.",
        "fr": "{field} : saisissez un nombre entier.",
    },
    "newapp.error_range": {
        "en": "{field}: enter a value from {low} to {high}.",
        "fr": "{field} : saisissez une valeur de {low} à {high}.",
    },
    "newapp.error_min": {
        "en": "{field}: enter {low} or more.",
        "fr": "{field} : saisissez {low} ou plus.",
    },
    "newapp.error_category": {
        "en": "{field}: choose one of the listed values.",
        "fr": "{field} : choisissez l'une des valeurs proposées.",
    },
    "newapp.result_heading": {"en": "The decision", "fr": "La décision"},
    "newapp.known_client": {
        "en": "The scoring service matched a known client's history.",
        "fr": "Le service de score a reconnu l'historique d'un client connu.",
    },
    "newapp.alternatives_heading": {
        "en": "What would change the decision",
        "fr": "Ce qui changerait la décision",
    },
    "newapp.alternatives_intro": {
        "en": "The smallest changes the client can make that would be granted, each checked by scoring it:",
        "fr": "Les plus petites modifications que le client peut faire et qui seraient accordées, chacune vérifiée en calculant son score :",
    },
    "newapp.alternative_score": {
        "en": "Estimated risk {probability}:",
        "fr": "Risque estimé {probability} :",
    },
    "newapp.use": {"en": "Use this alternative", "fr": "Utiliser cette solution"},
    "newapp.used": {
        "en": "The form now holds the alternative: check it, then score it to record the decision.",
        "fr": "Le formulaire contient maintenant la solution : vérifiez-la, puis calculez son score pour enregistrer la décision.",
    },
    "newapp.letter_heading": {"en": "Decision letter", "fr": "Lettre de décision"},
    "newapp.letter_intro": {
        "en": "A letter for the client about this decision: its reasons in plain words, the alternatives and the right to ask for a human review.",
        "fr": "Une lettre au client sur cette décision : ses motifs en termes simples, les solutions possibles et le droit de demander un réexamen par une personne.",
    },
    "newapp.letter_show": {"en": "Show the letter", "fr": "Afficher la lettre"},
    "newapp.letter_print": {"en": "Print the letter", "fr": "Imprimer la lettre"},
    "newapp.letter_pdf": {"en": "Download the letter (PDF)", "fr": "Télécharger la lettre (PDF)"},
    "newapp.letter_frame": {"en": "Decision letter", "fr": "Lettre de décision"},
    "newapp.letter_file": {"en": "decision-letter", "fr": "lettre-de-decision"},
    # --- model --------------------------------------------------------------------------------------------------
    "model.heading": {"en": "The model", "fr": "Le modèle"},
    "model.identity": {
        "en": "Model {name}, version {version} ({alias}); decision limit {threshold}.",
        "fr": "Modèle {name}, version {version} ({alias}) ; limite de décision {threshold}.",
    },
    "model.trained": {"en": "Trained on {date}.", "fr": "Entraîné le {date}."},
    "model.metrics": {
        "en": "Performance on held-out clients",
        "fr": "Performance sur des clients mis de côté",
    },
    "model.metric": {"en": "Measure", "fr": "Mesure"},
    "model.importance": {
        "en": "What the model relies on most",
        "fr": "Ce sur quoi le modèle s'appuie le plus",
    },
    "model.importance_axis": {"en": "Importance", "fr": "Importance"},
    "model.importance_summary": {
        "en": "The {n} most important characteristics; the first is {top}.",
        "fr": "Les {n} caractéristiques les plus importantes ; la première est {top}.",
    },
    "model.cost": {
        "en": "Cost of errors and the decision limit",
        "fr": "Coût des erreurs et limite de décision",
    },
    "model.cost_axis": {"en": "Business cost per client", "fr": "Coût métier par client"},
    "model.threshold_axis": {"en": "Decision limit", "fr": "Limite de décision"},
    "model.cost_summary": {
        "en": "The cost is lowest at a limit of {best}; the model uses {threshold}, where the cost is {cost}.",
        "fr": "Le coût est le plus bas pour une limite de {best} ; le modèle utilise {threshold}, "
        "où le coût vaut {cost}.",
    },
    "model.cost_explainer": {
        "en": "A missed defaulter costs ten times a wrongly refused client; the limit minimises the total cost.",
        "fr": "Un défaillant non détecté coûte dix fois un client refusé à tort ; la limite minimise le coût total.",
    },
    "model.chosen": {"en": "Chosen limit", "fr": "Limite choisie"},
    "metric.holdout_auc": {
        "en": "Ranking quality (ROC AUC, 0.5 = chance, 1 = perfect)",
        "fr": "Qualité du classement (AUC ROC, 0,5 = hasard, 1 = parfait)",
    },
    "metric.gini": {"en": "Gini (2 × AUC − 1)", "fr": "Gini (2 × AUC − 1)"},
    "metric.ks": {
        "en": "Separation of defaulters and others (KS)",
        "fr": "Séparation des défaillants et des autres (KS)",
    },
    "metric.holdout_accuracy": {"en": "Correct decisions", "fr": "Décisions correctes"},
    "metric.holdout_precision": {
        "en": "Refused clients who did default (precision)",
        "fr": "Clients refusés réellement défaillants (précision)",
    },
    "metric.holdout_recall": {"en": "Defaulters caught (recall)", "fr": "Défaillants détectés (rappel)"},
    "metric.business_cost_per_client": {"en": "Business cost per client", "fr": "Coût métier par client"},
    "metric.brier_score": {
        "en": "Calibration error (Brier score, lower is better)",
        "fr": "Erreur de calibration (score de Brier, plus bas = mieux)",
    },
    "model.none": {"en": "Not available yet.", "fr": "Pas encore disponible."},
    "model.bands": {"en": "Default rate by risk band", "fr": "Taux de défaut par niveau de risque"},
    "model.band_band": {"en": "Risk band", "fr": "Niveau de risque"},
    "model.band_clients": {"en": "Test clients", "fr": "Clients de test"},
    "model.band_observed": {"en": "Observed default rate", "fr": "Taux de défaut observé"},
    "model.band_predicted": {"en": "Predicted default rate", "fr": "Taux de défaut prédit"},
    "model.band_order": {"en": "Ranking", "fr": "Classement"},
    "model.ranks": {"en": "in order", "fr": "dans l'ordre"},
    "model.breaks": {"en": "below the band before", "fr": "sous le niveau précédent"},
    "model.breaks_within_chance": {
        "en": "below the band before, within chance",
        "fr": "sous le niveau précédent, dans les limites du hasard",
    },
    "model.breaks_beyond_chance": {
        "en": "below the band before, beyond chance",
        "fr": "sous le niveau précédent, au-delà du hasard",
    },
    "model.rank_ordering_ok": {
        "en": "On the test clients, the observed default rate rises from band to band and from decile to decile.",
        "fr": "Sur les clients de test, le taux de défaut observé augmente d'un niveau à l'autre et d'un décile à l'autre.",
    },
    "model.rank_ordering_within_chance": {
        "en": "On the test clients, the observed default rate dips here and there from band to band or from decile to decile, but each dip is small enough to be chance.",
        "fr": "Sur les clients de test, le taux de défaut observé baisse par endroits d'un niveau ou d'un décile à l'autre, mais chaque baisse est assez petite pour être due au hasard.",
    },
    "model.rank_ordering_broken": {
        "en": "On the test clients, the observed default rate does not rise everywhere from band to band or from decile to decile: see the model's run for the deciles.",
        "fr": "Sur les clients de test, le taux de défaut observé n'augmente pas partout d'un niveau ou d'un décile à l'autre : voir l'exécution du modèle pour les déciles.",
    },
    "model.sensitivity": {
        "en": "If a missed defaulter cost more or less",
        "fr": "Si un défaillant non détecté coûtait plus ou moins",
    },
    "model.sensitivity_explainer": {
        "en": "The best limit for other cost ratios between a missed defaulter and a wrongly refused client, measured on the test clients.",
        "fr": "La meilleure limite pour d'autres rapports de coût entre un défaillant non détecté et un client refusé à tort, mesurée sur les clients de test.",
    },
    "model.sensitivity_ratio": {"en": "Cost ratio", "fr": "Rapport de coût"},
    "model.sensitivity_limit": {"en": "Decision limit", "fr": "Limite de décision"},
    "model.sensitivity_cost": {"en": "Cost per client", "fr": "Coût par client"},
    "model.sensitivity_approval": {"en": "Clients granted", "fr": "Clients acceptés"},
    "model.ratio": {"en": "{ratio} to 1", "fr": "{ratio} pour 1"},
    "model.ratio_used": {"en": "used", "fr": "utilisé"},
    "model.segments": {"en": "Default rate by client segment", "fr": "Taux de défaut par segment de clients"},
    "model.segments_explainer": {
        "en": "On the test clients, at the model's decision limit. A thin file: no record at the credit bureau and no previous application with us.",
        "fr": "Sur les clients de test, à la limite de décision du modèle. Dossier mince : aucun crédit connu du bureau de crédit et aucune demande précédente chez nous.",
    },
    "model.segments_thin_file": {
        "en": "Thin-file clients and the others",
        "fr": "Clients au dossier mince et les autres",
    },
    "model.segments_no_bureau_record": {
        "en": "Clients unknown to the credit bureau and the others",
        "fr": "Clients inconnus du bureau de crédit et les autres",
    },
    "model.segments_contract_type": {"en": "By contract type", "fr": "Par type de contrat"},
    "model.segment_segment": {"en": "Segment", "fr": "Segment"},
    "model.segment_clients": {"en": "Test clients", "fr": "Clients de test"},
    "model.segment_share": {"en": "Share of test clients", "fr": "Part des clients de test"},
    "model.segment_observed": {"en": "Observed default rate", "fr": "Taux de défaut observé"},
    "model.segment_auc": {"en": "Ranking quality (AUC)", "fr": "Qualité du classement (AUC)"},
    "model.segment_cost": {"en": "Cost per client", "fr": "Coût par client"},
    "model.segment_approval": {"en": "Clients granted", "fr": "Clients acceptés"},
    "model.segment_empty": {"en": "no client", "fr": "aucun client"},
    "model.segment_no_auc": {
        "en": "not measurable (all defaulted or none did)",
        "fr": "non mesurable (tous défaillants ou aucun)",
    },
    "segment.thin_file": {"en": "Thin file", "fr": "Dossier mince"},
    "segment.no_bureau_record": {"en": "Unknown to the credit bureau", "fr": "Inconnus du bureau de crédit"},
    "segment.others": {"en": "Other clients", "fr": "Autres clients"},
    # --- human review (dash_app/review_panel.py, pages/reviews.py, the monitoring page's override counts) -------
    "nav.reviews": {"en": "Reviews", "fr": "Révisions"},
    "title.reviews": {"en": "Reviews — Credit scoring", "fr": "Révisions — Score de crédit"},
    "review.heading": {"en": "Human review", "fr": "Révision humaine"},
    "review.to_review": {
        "en": "To review: the probability is close to the threshold. A person should confirm or override this decision.",
        "fr": "À réviser : la probabilité est proche du seuil. Une personne doit confirmer ou modifier cette décision.",
    },
    "review.not_to_review": {
        "en": "Not a close call. A person may still review the decision, for instance at the client's request.",
        "fr": "Décision nette. Une personne peut tout de même la réviser, par exemple à la demande du client.",
    },
    "review.automated": {"en": "Automated decision: {decision}", "fr": "Décision automatique : {decision}"},
    "review.choice_legend": {"en": "Your decision", "fr": "Votre décision"},
    "review.confirm": {"en": "Confirm: {decision}", "fr": "Confirmer : {decision}"},
    "review.override": {"en": "Override: {decision}", "fr": "Modifier : {decision}"},
    "review.justification": {
        "en": "Justification (required, at least {min} characters)",
        "fr": "Justification (obligatoire, au moins {min} caractères)",
    },
    "review.justification_help": {
        "en": "Say why, in words the client and a risk reviewer can check. An override is approved by a risk user.",
        "fr": "Expliquez pourquoi, en termes vérifiables par le client et par l'équipe risques. Une modification est validée par l'équipe risques.",
    },
    "review.submit": {"en": "Record the review", "fr": "Enregistrer la révision"},
    "review.error_required": {
        "en": "Write a justification: it is required.",
        "fr": "Rédigez une justification : elle est obligatoire.",
    },
    "review.error_short": {
        "en": "The justification is too short: write at least {min} characters.",
        "fr": "La justification est trop courte : au moins {min} caractères.",
    },
    "review.error_long": {
        "en": "The justification is too long: at most {max} characters.",
        "fr": "La justification est trop longue : au plus {max} caractères.",
    },
    "review.error_choice": {
        "en": "Choose to confirm or to override the decision.",
        "fr": "Choisissez de confirmer ou de modifier la décision.",
    },
    "review.saved_confirm": {
        "en": "Review recorded: the decision ({decision}) is confirmed.",
        "fr": "Révision enregistrée : la décision ({decision}) est confirmée.",
    },
    "review.saved_override": {
        "en": "Override recorded: {before} → {after}. It awaits a risk user's approval.",
        "fr": "Modification enregistrée : {before} → {after}. Elle attend la validation de l'équipe risques.",
    },
    "review.history_heading": {"en": "Past reviews", "fr": "Révisions précédentes"},
    "review.history_none": {"en": "No review yet.", "fr": "Aucune révision pour l'instant."},
    "review.col_when": {"en": "When (UTC)", "fr": "Quand (UTC)"},
    "review.col_who": {"en": "Who", "fr": "Qui"},
    "review.col_from": {"en": "From", "fr": "De"},
    "review.col_to": {"en": "To", "fr": "À"},
    "review.col_why": {"en": "Why", "fr": "Pourquoi"},
    "review.col_status": {"en": "Status", "fr": "Statut"},
    "review.status_confirmed": {"en": "confirmed", "fr": "confirmée"},
    "review.status_pending_approval": {"en": "awaiting approval", "fr": "en attente de validation"},
    "review.status_approved": {"en": "approved by {who}", "fr": "validée par {who}"},
    "review.status_rejected": {"en": "rejected by {who}", "fr": "rejetée par {who}"},
    "review.refused_person_required": {
        "en": "Only a signed-in person may review a decision.",
        "fr": "Seule une personne connectée peut réviser une décision.",
    },
    "review.refused_insufficient_role": {
        "en": "Your role may not do this.",
        "fr": "Votre rôle ne le permet pas.",
    },
    "review.refused_own_override": {
        "en": "You may not approve your own override: another risk user must.",
        "fr": "Vous ne pouvez pas valider votre propre modification : un autre membre de l'équipe risques doit le faire.",
    },
    "review.refused_already_decided": {
        "en": "This override was already approved or rejected.",
        "fr": "Cette modification a déjà été validée ou rejetée.",
    },
    "review.refused_pending_approval": {
        "en": "An override of this decision awaits approval: a risk user decides it first.",
        "fr": "Une modification de cette décision attend sa validation : l'équipe risques la traite d'abord.",
    },
    "review.refused_other": {
        "en": "Nothing was recorded: {message}",
        "fr": "Rien n'a été enregistré : {message}",
    },
    "reviews.heading": {"en": "Overrides awaiting approval", "fr": "Modifications à valider"},
    "reviews.intro": {
        "en": "An adviser changed these automated decisions. Approve or reject each one; a rejection says why.",
        "fr": "Un conseiller a modifié ces décisions automatiques. Validez ou rejetez chacune ; un rejet est motivé.",
    },
    "reviews.none": {
        "en": "No override awaits approval.",
        "fr": "Aucune modification n'attend de validation.",
    },
    "reviews.item": {
        "en": "{subject}: {before} → {after}, by {who} on {when}. Probability {probability} (threshold {threshold}).",
        "fr": "{subject} : {before} → {after}, par {who} le {when}. Probabilité {probability} (seuil {threshold}).",
    },
    "reviews.why": {"en": "Justification: {why}", "fr": "Justification : {why}"},
    "reviews.choose": {"en": "Override to decide", "fr": "Modification à traiter"},
    "reviews.note": {
        "en": "Note (required to reject, at least {min} characters)",
        "fr": "Note (obligatoire pour rejeter, au moins {min} caractères)",
    },
    "reviews.approve": {"en": "Approve", "fr": "Valider"},
    "reviews.reject": {"en": "Reject", "fr": "Rejeter"},
    "reviews.error_choose": {
        "en": "Choose the override to decide.",
        "fr": "Choisissez la modification à traiter.",
    },
    "reviews.error_note": {
        "en": "Write a note of at least {min} characters to reject an override.",
        "fr": "Rédigez une note d'au moins {min} caractères pour rejeter une modification.",
    },
    "reviews.done_approved": {"en": "Override approved.", "fr": "Modification validée."},
    "reviews.done_rejected": {"en": "Override rejected.", "fr": "Modification rejetée."},
    "reviews.subject_client": {"en": "Client {client_id}", "fr": "Client {client_id}"},
    "reviews.subject_decision": {"en": "Application {request_id}", "fr": "Demande {request_id}"},
    "reviews.to_review_heading": {
        "en": "New applications to review (close calls nobody reviewed)",
        "fr": "Nouvelles demandes à réviser (décisions proches du seuil non révisées)",
    },
    "reviews.to_review_none": {
        "en": "No close call awaits a review.",
        "fr": "Aucune décision proche du seuil n'attend de révision.",
    },
    "reviews.summary_heading": {
        "en": "Human reviews and overrides",
        "fr": "Révisions humaines et modifications",
    },
    "reviews.summary_text": {
        "en": "{reviews} reviews, {overrides} overrides (override rate {rate}); {pending} awaiting approval.",
        "fr": "{reviews} révisions, {overrides} modifications (taux de modification {rate}) ; {pending} en attente de validation.",
    },
    "reviews.summary_intro": {
        "en": "A high override rate is a model problem: the model misjudges these cases (or one adviser overrides too easily).",
        "fr": "Un taux de modification élevé signale un problème du modèle : il juge mal ces cas (ou un conseiller modifie trop facilement).",
    },
    "reviews.summary_none": {
        "en": "No review recorded yet.",
        "fr": "Aucune révision enregistrée pour l'instant.",
    },
    "reviews.by_reviewer": {"en": "Override rate per adviser", "fr": "Taux de modification par conseiller"},
    "reviews.by_band": {
        "en": "Override rate per risk band",
        "fr": "Taux de modification par classe de risque",
    },
    "reviews.col_reviewer": {"en": "Adviser", "fr": "Conseiller"},
    "reviews.col_band": {"en": "Risk band", "fr": "Classe de risque"},
    "reviews.col_reviews": {"en": "Reviews", "fr": "Révisions"},
    "reviews.col_overrides": {"en": "Overrides", "fr": "Modifications"},
    "reviews.col_rate": {"en": "Override rate", "fr": "Taux de modification"},
    "reviews.col_application": {"en": "Application (request id)", "fr": "Demande (identifiant)"},
    "reviews.col_decision": {"en": "Automated decision", "fr": "Décision automatique"},
    "reviews.col_probability": {"en": "Probability / threshold", "fr": "Probabilité / seuil"},
    # --- monitoring ---------------------------------------------------------------------------------------------
    "drift.heading": {"en": "Monitoring", "fr": "Surveillance"},
    "drift.summary": {
        "en": "{n_drifted} of {n_features} characteristics drifted ({share}) between {reference} and {current}.",
        "fr": "{n_drifted} caractéristiques sur {n_features} ont dérivé ({share}) entre {reference} et {current}.",
    },
    "drift.population_application_train": {
        "en": "the training applications ({rows} clients)",
        "fr": "les demandes d'apprentissage ({rows} clients)",
    },
    "drift.population_application_test": {
        "en": "the applications being scored ({rows} clients)",
        "fr": "les demandes en cours d'évaluation ({rows} clients)",
    },
    "drift.population_prediction_log": {
        "en": "the requests scored by the service ({rows} requests, {window})",
        "fr": "les demandes évaluées par le service ({rows} demandes, {window})",
    },
    "drift.dataset_drift": {
        "en": "Overall drift detected: review the model.",
        "fr": "Dérive globale détectée : revoir le modèle.",
    },
    "drift.no_dataset_drift": {"en": "No overall drift detected.", "fr": "Aucune dérive globale détectée."},
    "drift.status_ok": {"en": "✔ Status: no action needed", "fr": "✔ État : aucune action nécessaire"},
    "drift.status_warn": {"en": "⚠ Status: watch closely", "fr": "⚠ État : à surveiller de près"},
    "drift.status_alert": {
        "en": "✖ Status: alert, action needed",
        "fr": "✖ État : alerte, action nécessaire",
    },
    "drift.score_psi": {
        "en": "Stability of the scores (PSI): {psi}, {band} (below {moderate} stable, from {significant} a major shift).",
        "fr": "Stabilité des scores (PSI) : {psi}, {band} (sous {moderate} stable, à partir de {significant} changement majeur).",
    },
    "drift.band_stable": {"en": "stable", "fr": "stable"},
    "drift.band_moderate": {"en": "a moderate shift", "fr": "changement modéré"},
    "drift.band_significant": {"en": "a major shift", "fr": "changement majeur"},
    "drift.action_keep_monitoring": {
        "en": "Recommended action: keep monitoring; the model needs no change.",
        "fr": "Action recommandée : poursuivre la surveillance ; le modèle n'a pas besoin d'être modifié.",
    },
    "drift.action_retune_threshold": {
        "en": "Recommended action: re-tune the decision limit on recent applications whose outcome is known, "
        "and watch the next periods closely.",
        "fr": "Action recommandée : réajuster la limite de décision sur des demandes récentes dont l'issue est "
        "connue, et surveiller de près les prochaines périodes.",
    },
    "drift.action_retrain": {
        "en": "Recommended action: retrain the model on recent data once their outcomes are known, and compare "
        "it with the current model before replacing it; meanwhile, review the decisions of the affected clients.",
        "fr": "Action recommandée : réentraîner le modèle sur des données récentes dont l'issue est connue, et le "
        "comparer au modèle actuel avant de le remplacer ; en attendant, revoir les décisions des clients concernés.",
    },
    "drift.rules": {"en": "Alert rules triggered", "fr": "Règles d'alerte déclenchées"},
    "drift.rule": {
        "en": "{icon} {severity}: {condition} (measured {value})",
        "fr": "{icon} {severity} : {condition} (mesuré {value})",
    },
    "drift.severity_warn": {"en": "Warning", "fr": "Avertissement"},
    "drift.severity_alert": {"en": "Alert", "fr": "Alerte"},
    "drift.generated": {"en": "Report of {date}.", "fr": "Rapport du {date}."},
    "drift.report_link": {
        "en": "Open the full drift report (new tab)",
        "fr": "Ouvrir le rapport de dérive complet (nouvel onglet)",
    },
    "drift.none": {"en": "No drift report yet.", "fr": "Pas encore de rapport de dérive."},
    "drift.chart": {"en": "Drift by characteristic", "fr": "Dérive par caractéristique"},
    "drift.score_axis": {
        "en": "Drift relative to the test's limit (1 = limit)",
        "fr": "Dérive rapportée à la limite du test (1 = limite)",
    },
    "drift.limit": {"en": "Test limit", "fr": "Limite du test"},
    "drift.drifted": {"en": "Drifted", "fr": "Dérive"},
    "drift.stable": {"en": "Stable", "fr": "Stable"},
    "drift.col_status": {"en": "Status", "fr": "État"},
    "drift.col_method": {"en": "Test", "fr": "Test"},
    "drift.col_score": {"en": "Test value", "fr": "Valeur du test"},
    "drift.col_threshold": {"en": "Limit", "fr": "Limite"},
    "drift.col_importance": {"en": "Weight in the model", "fr": "Poids dans le modèle"},
    "drift.chart_summary": {
        "en": "{n} characteristics compared, most important for the model first; {n_drifted} drifted, the "
        "furthest past its limit being {top}.",
        "fr": "{n} caractéristiques comparées, les plus importantes pour le modèle d'abord ; {n_drifted} ont "
        "dérivé, la plus éloignée de sa limite étant {top}.",
    },
    # --- monitoring: live performance (GET /performance, the performance pipeline's summary) ------------------
    "perf.heading": {"en": "Live performance", "fr": "Performance en production"},
    "perf.none": {
        "en": "No performance summary yet. Run make simulate (a simulated stream of decisions and outcomes) or make monitor (the scheduled monitoring) to compute it.",
        "fr": "Pas encore de synthèse de performance. Lancez make simulate (un flux simulé de décisions et d'issues) ou make monitor (la surveillance planifiée) pour la calculer.",
    },
    "perf.status_ok": {
        "en": "✔ Performance: no period crossed the cost alert rule",
        "fr": "✔ Performance : aucune période n'a franchi la règle d'alerte sur le coût",
    },
    "perf.status_alert": {
        "en": "✖ Performance: the cost alert rule fired in {n} period(s)",
        "fr": "✖ Performance : la règle d'alerte sur le coût s'est déclenchée sur {n} période(s)",
    },
    "perf.status_unknown": {
        "en": "? Performance: not enough decisions to judge yet",
        "fr": "? Performance : pas encore assez de décisions pour juger",
    },
    "perf.intro": {
        "en": "How each model version does on the decisions it took, {period_word} by {period_word}: the estimate made from its probabilities before the repayment outcomes arrive, and the realised figures once they have.",
        "fr": "Ce que donne chaque version du modèle sur les décisions qu'elle a prises, {period_word} par {period_word} : l'estimation tirée de ses probabilités avant l'arrivée des issues de remboursement, puis les chiffres réalisés une fois celles-ci connues.",
    },
    "perf.period_month": {"en": "month", "fr": "mois"},
    "perf.period_week": {"en": "week", "fr": "semaine"},
    "perf.col_period_month": {"en": "Month", "fr": "Mois"},
    "perf.col_period_week": {"en": "Week", "fr": "Semaine"},
    "perf.granted_only": {
        "en": "Refused applicants get no loan, hence no repayment outcome: the realised figures cover granted loans only, and the estimates they are compared with are those of the granted loans.",
        "fr": "Les demandeurs refusés n'obtiennent pas de prêt, donc aucune issue de remboursement : les chiffres réalisés ne portent que sur les prêts accordés, et les estimations comparées sont celles des prêts accordés.",
    },
    "perf.observation": {
        "en": "A granted loan gets its outcome {months} months after the decision; until then it is open.",
        "fr": "Un prêt accordé reçoit son issue {months} mois après la décision ; d'ici là, il est en cours.",
    },
    "perf.as_of": {
        "en": "Outcomes known as of {date}; decisions read from {source}.",
        "fr": "Issues connues au {date} ; décisions lues depuis {source}.",
    },
    "perf.outcomes": {
        "en": "Outcome feed: {accepted} rows accepted, {refused} rows refused (a row is refused for an unknown client, an outcome before the decision or a duplicate).",
        "fr": "Flux des issues : {accepted} lignes acceptées, {refused} lignes refusées (une ligne est refusée pour un client inconnu, une issue antérieure à la décision ou un doublon).",
    },
    "perf.open_loans": {
        "en": "Open loans (outcome not due yet): {open}; labelled loans: {labelled}.",
        "fr": "Prêts en cours (issue pas encore due) : {open} ; prêts avec issue : {labelled}.",
    },
    "perf.generated": {"en": "Summary of {date}.", "fr": "Synthèse du {date}."},
    "perf.alerts": {"en": "Alerts", "fr": "Alertes"},
    "perf.alert_item": {
        "en": "✖ Alert — {period}, model {version}: estimated cost per client {cost}, interval {interval}, against the limit {bound} (reference cost {reference}).",
        "fr": "✖ Alerte — {period}, modèle {version} : coût estimé par client {cost}, intervalle {interval}, face à la limite {bound} (coût de référence {reference}).",
    },
    "perf.above_item": {
        "en": "⚠ Realised above the estimate — {period}, model {version}: realised cost {cost}, above the estimate on the same loans, {interval}: these clients default more often than the model says; recalibrate or retrain.",
        "fr": "⚠ Réalisé au-dessus de l'estimation — {period}, modèle {version} : coût réalisé {cost}, au-dessus de l'estimation sur les mêmes prêts, {interval} : ces clients font défaut plus souvent que ne le dit le modèle ; recalibrer ou réentraîner.",
    },
    "perf.no_alert": {
        "en": "✔ No alert in any period.",
        "fr": "✔ Aucune alerte sur l'ensemble des périodes.",
    },
    "perf.rule": {"en": "Alert rule: {rule}", "fr": "Règle d'alerte : {rule}"},
    "perf.rule_generic": {
        "en": "alert when a period's estimated cost per client exceeds the model version's reference cost by more than the configured margin.",
        "fr": "alerte lorsque le coût estimé par client d'une période dépasse le coût de référence de la version du modèle de plus que la marge configurée.",
    },
    "perf.version": {"en": "Model {version}", "fr": "Modèle {version}"},
    "perf.estimated": {"en": "estimated", "fr": "estimé"},
    "perf.realised": {"en": "realised", "fr": "réalisé"},
    "perf.estimated_interval": {"en": "estimate's interval", "fr": "intervalle de l'estimation"},
    "perf.trace": {"en": "{version}, {kind}", "fr": "{version}, {kind}"},
    "perf.version_start": {"en": "▸ model {version}", "fr": "▸ modèle {version}"},
    "perf.alert_marker": {"en": "✖ Alert", "fr": "✖ Alerte"},
    "perf.no_decision": {"en": "no decision", "fr": "aucune décision"},
    "perf.not_available": {"en": "not available", "fr": "non disponible"},
    "perf.interval": {"en": "{low} to {high} ({confidence})", "fr": "{low} à {high} ({confidence})"},
    "perf.cost_chart": {
        "en": "Cost per granted loan: estimated and realised",
        "fr": "Coût par prêt accordé : estimé et réalisé",
    },
    "perf.cost_axis": {"en": "Cost per granted loan", "fr": "Coût par prêt accordé"},
    "perf.auc_chart": {
        "en": "AUC among granted loans: estimated and realised",
        "fr": "AUC parmi les prêts accordés : estimée et réalisée",
    },
    "perf.auc_axis": {"en": "AUC", "fr": "AUC"},
    "perf.approval_chart": {"en": "Approval rate", "fr": "Taux d'acceptation"},
    "perf.drift_chart": {
        "en": "Input drift: score PSI and share of drifted fields",
        "fr": "Dérive des entrées : PSI du score et part des champs en dérive",
    },
    "perf.psi": {"en": "score PSI", "fr": "PSI du score"},
    "perf.drift_share": {"en": "drifted fields", "fr": "champs en dérive"},
    "perf.col_version": {"en": "Model version", "fr": "Version du modèle"},
    "perf.col_estimated_cost": {
        "en": "Estimated cost per granted loan",
        "fr": "Coût estimé par prêt accordé",
    },
    "perf.col_realised_cost": {
        "en": "Realised cost per labelled loan",
        "fr": "Coût réalisé par prêt avec issue",
    },
    "perf.col_labelled_estimate": {
        "en": "Estimate on the labelled loans",
        "fr": "Estimation sur les prêts avec issue",
    },
    "perf.col_realised_vs_estimate": {
        "en": "Realised against that estimate",
        "fr": "Réalisé par rapport à cette estimation",
    },
    "perf.vs_within": {"en": "✔ within", "fr": "✔ dans l'intervalle"},
    "perf.vs_above": {"en": "▲ above", "fr": "▲ au-dessus"},
    "perf.vs_below": {"en": "▼ below", "fr": "▼ en dessous"},
    "perf.col_estimated_auc": {"en": "Estimated AUC", "fr": "AUC estimée"},
    "perf.col_realised_auc": {"en": "Realised AUC", "fr": "AUC réalisée"},
    "perf.col_interval": {"en": "Interval", "fr": "Intervalle"},
    "perf.col_decisions": {"en": "Decisions", "fr": "Décisions"},
    "perf.col_granted": {"en": "Granted", "fr": "Accordés"},
    "perf.col_refused": {"en": "Refused (no outcome)", "fr": "Refusés (sans issue)"},
    "perf.col_approval": {"en": "Approval rate", "fr": "Taux d'acceptation"},
    "perf.col_labelled": {"en": "Labelled loans", "fr": "Prêts avec issue"},
    "perf.col_defaults": {"en": "Defaults", "fr": "Défauts"},
    "perf.col_open": {"en": "Open loans", "fr": "Prêts en cours"},
    "perf.col_awaiting": {"en": "Outcome awaited", "fr": "Issue attendue"},
    "perf.col_psi": {"en": "Score PSI", "fr": "PSI du score"},
    "perf.col_drift_share": {"en": "Drifted fields", "fr": "Champs en dérive"},
    "perf.col_alert": {"en": "Alert", "fr": "Alerte"},
    "perf.col_notes": {"en": "Notes", "fr": "Remarques"},
    "perf.alert_ok": {"en": "✔ none", "fr": "✔ aucune"},
    "perf.alert_alert": {"en": "✖ alert", "fr": "✖ alerte"},
    "perf.alert_unknown": {"en": "? unknown", "fr": "? inconnue"},
    "perf.loans_caption": {
        "en": "Decisions, loans and outcomes by period and model version",
        "fr": "Décisions, prêts et issues par période et version du modèle",
    },
    "perf.empty_chart": {
        "en": "No decision in any period yet.",
        "fr": "Aucune décision sur aucune période pour l'instant.",
    },
    "perf.cost_summary": {
        "en": "Cost per granted loan over {n} periods; estimates dashed with open markers in their interval's band, realised figures solid with filled markers and their interval's bars. Latest estimate: {estimate} ({period}, model {version}); realised cost known for {n_realised} of the periods.",
        "fr": "Coût par prêt accordé sur {n} périodes ; estimations en tirets à marqueurs creux dans la bande de leur intervalle, chiffres réalisés en trait plein à marqueurs pleins avec les barres de leur intervalle. Dernière estimation : {estimate} ({period}, modèle {version}) ; coût réalisé connu pour {n_realised} des périodes.",
    },
    "perf.auc_summary": {
        "en": "AUC among granted loans over {n} periods; estimates dashed with open markers in their interval's band, realised figures solid with filled markers and their interval's bars. Latest estimate: {estimate} ({period}, model {version}); realised AUC known for {n_realised} of the periods.",
        "fr": "AUC parmi les prêts accordés sur {n} périodes ; estimations en tirets à marqueurs creux dans la bande de leur intervalle, chiffres réalisés en trait plein à marqueurs pleins avec les barres de leur intervalle. Dernière estimation : {estimate} ({period}, modèle {version}) ; AUC réalisée connue pour {n_realised} des périodes.",
    },
    "perf.approval_summary": {
        "en": "Approval rate over {n} periods, from {first} ({first_period}) to {last} ({last_period}).",
        "fr": "Taux d'acceptation sur {n} périodes, de {first} ({first_period}) à {last} ({last_period}).",
    },
    "perf.drift_summary": {
        "en": "Score PSI (solid, left axis) and share of drifted fields (dotted, right axis) over {n} periods; highest PSI {psi} ({period}), highest share of drifted fields {share}.",
        "fr": "PSI du score (trait plein, axe de gauche) et part des champs en dérive (pointillés, axe de droite) sur {n} périodes ; PSI le plus élevé {psi} ({period}), part de champs en dérive la plus élevée {share}.",
    },
}


def normalise_language(lang: str | None) -> str:
    """``lang`` when supported, else the default language."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None, **values: Any) -> str:
    """The text of ``key`` in ``lang``, with ``values`` substituted."""
    text = TEXTS[key][normalise_language(lang)]
    return text.format(**values) if values else text


def t_or(key: str, lang: str | None, fallback: str) -> str:
    """The text of ``key`` when it exists (e.g. risk bands), else ``fallback`` as given."""
    return t(key, lang) if key in TEXTS else fallback


def format_number(value: float | None, lang: str | None, digits: int = 0) -> str:
    """``1,234.5`` in English, ``1 234,5`` in French (`credit_scoring.raw.loans.group_digits`, the API's
    letters and sentences' format); a missing value says so."""
    lang = normalise_language(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("common.missing", lang)
    return group_digits(value, digits, lang)


def format_percent(value: float | None, lang: str | None, digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``14%`` / ``14 %``."""
    lang = normalise_language(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("common.missing", lang)
    number = format_number(100 * value, lang, digits)
    return f"{number}\u00a0%" if lang == "fr" else f"{number}%"


def format_currency(value: float | None, lang: str | None, currency: str = "EUR") -> str:
    """``€12,500`` in English, ``12 500 €`` in French: `credit_scoring.raw.loans.format_money`, as the API's
    counterfactual sentences and decision letters write amounts."""
    lang = normalise_language(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("common.missing", lang)
    return format_money(value, lang, currency)
