"""`make bench`: Hotline against a pure-dialplan + app_queue baseline."""
