"""API token management: create, list and revoke /api/v1 bearer tokens."""
