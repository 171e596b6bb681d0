"""``python -m credit_scoring.api``: make sure an API key is configured (what `scripts/serve` runs first).

Without a key in the environment or conf/local/credentials.yml, a random one is written there: the service
never runs without a key.
"""

from credit_scoring.api.config import ensure_local_api_key

print(f"API key configured in {ensure_local_api_key()}")
