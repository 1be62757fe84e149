"""Supervisor monitoring of live queue conversations: listen, whisper and
barge, on the supervisor's phone, through ARI snoop channels and bridges.

The ACD tells it when conversations start and end (a ``ConversationObserver``,
like recordings); the wallboard starts and stops sessions through the
``hotline.center`` port.  Every start, mode change and stop is audited.
"""
