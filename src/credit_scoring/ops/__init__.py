"""Operations tooling: the local stack of real services (``python -m credit_scoring.ops.stack``) and the
throw-away PostgreSQL cluster it and the tests run."""
