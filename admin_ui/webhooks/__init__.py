"""The webhooks pages (/webhooks) and API (/api/v1/webhooks)."""
