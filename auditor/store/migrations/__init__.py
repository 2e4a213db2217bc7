"""Alembic migrations of the store's schema (`auditor.store.schema`); run by
`gitops-auditor db upgrade` and on first use of a store."""
