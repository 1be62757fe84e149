"""Outbound dialing campaigns: contact lists, retry rules and call windows."""
