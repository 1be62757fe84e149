"""Voicemail: boxes, leaving messages, MWI, email notification, retention."""
