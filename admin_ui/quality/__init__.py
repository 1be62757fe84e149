"""Quality inspection pages (/quality, 质检) and its API."""
