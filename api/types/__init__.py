"""GraphQL output types. Types that carry personal data are marked (``PII``) and exist only
in the schema of roles that may see it (see ``api/schema.py``)."""
