"""Call recordings on the web: the API's WAV, erasure and purge (audited)."""
