"""Cases (工单) on the telephone: the flow node that tells a caller the
status of their case (the status line, demo DID 8600).  The cases
themselves are the kernel's (``hotline/cases``)."""
