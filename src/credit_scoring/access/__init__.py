"""Who may see what, and the record of who saw what: users and their roles, API keys and their scopes, the
audit trail. Its tables live in the application database (`credit_scoring.database`, the decision log's URL).
"""
