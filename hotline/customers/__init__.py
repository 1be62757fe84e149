"""Customer records (§7 of issue 16): callers matched by their numbers, marks
(VIP, blacklist, nuisance) with reasons and expiry, the identity check,
masking, import and export.  The kernel's: the flow node that routes on
them is ``ari_apps/customers``, the pages ``admin_ui/customers``."""
