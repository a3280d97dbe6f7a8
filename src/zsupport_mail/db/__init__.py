"""Storage: models, engine and sessions, schema migrations, repositories."""
