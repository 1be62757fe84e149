"""Tenant management for the platform operator: list, create and rename tenants."""
