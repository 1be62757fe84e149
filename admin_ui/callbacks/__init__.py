"""Callbacks over HTTP: the API (the desk's and the wallboard's forms are theirs)."""
