"""Connectors: one module per SaaS turning API payloads into unified-model batches.

Connectors never open a database session and never evaluate rules; `sync/`
commits what they yield. See `batch.py` for the whole contract.
"""
