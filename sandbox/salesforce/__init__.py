"""Offline replica of the Salesforce REST API subset baton's connector uses.

`SalesforceState` holds the org (users, accounts, contacts, opportunities,
events, tasks, the recycle bin, sessions and the daily API limit);
`create_app(state)` serves it. Serve it over TLS (`sandbox.server.running(app,
tls=True)`), as the real API is HTTPS-only, and trust the returned `ca_path`.
"""

from sandbox.salesforce.app import create_app
from sandbox.salesforce.state import DEFAULT_SESSION_ID, SalesforceState

__all__ = ["DEFAULT_SESSION_ID", "SalesforceState", "create_app"]
