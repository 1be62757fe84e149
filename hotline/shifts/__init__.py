"""Shifts: who works when, business calendars, and the staffing planner.

The use cases the /shifts pages call, by use case: ``agent_schedules``
(weekly patterns, date exceptions), ``week`` (one day's ranges, the week
overview), ``business_calendars``, ``planner`` (with its child process
``planner_job``).  ``schedule`` is the pure arithmetic; ``*_input`` read the
submitted forms into typed values or a FormInvalid naming each bad field.
"""
