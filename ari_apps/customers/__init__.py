"""Customer records on the telephone: the flow node that finds the caller's
record by their number, branches on its marks and checks what they keyed
against it.  The records themselves are the kernel's (``hotline/customers``)."""
