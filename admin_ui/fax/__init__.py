"""Admin UI and API of the fax feature."""
