"""Fax: the document catalogue, fax-on-demand, fax-back and fax in (spandsp via the dialplan)."""
