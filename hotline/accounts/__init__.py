"""Accounts and permissions: users, groups, roles, one's own account, API
tokens and tenants, as the admin pages and the API use them.

These are the use cases; ``admin_ui/users``, ``account``, ``api_tokens`` and
``tenants`` turn a request into their plain inputs and render what they
return.  Every change is returned as a ``Change`` (``changes.py``) for the web
to write to the audit log, and every refusal is an error of ``errors.py``.
"""
