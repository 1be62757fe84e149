"""The calls pages: recent calls, one call's record and timeline, and its
recording played in the browser (every listen and download audited)."""
