"""Contact-center figures from one set of definitions (../shared/METRICS.md).

``visits`` reads queue visits from call timelines, ``queue_figures`` turns
them into the inbound figures, ``intervals`` groups them by report interval
in the site's time zone.  Pure: the wallboard, the reports, the API and the
tests feed them and show what they return.
"""
