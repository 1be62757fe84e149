"""Webhooks: call events signed and sent to business systems (issue 14, section 6)."""
