"""``python -m credit_scoring.api``: make sure an API key is configured (what `scripts/serve` runs first).

Without a key in the environment or the configuration's credentials, a random one is added to
conf/local/credentials.yml: the service never runs without a key.
"""

from credit_scoring.api.config import ensure_local_api_key

written = ensure_local_api_key()
print(f"API key generated in {written}" if written else "API key configured")
