"""Post-call survey (服务评价): the caller rates the agent after the agent hangs up.

A queue names a survey flow (``Queue.survey_flow``); when the agent hangs up
first, the ACD hands the caller here (``AfterConversation``) and the flow
runs on their channel.  The flow is ordinary data: the demo's asks for 1–5
with a ``collect`` node into the variable ``rating`` and thanks the caller.
Whatever the flow leaves in ``rating`` when it ends is the answer.
"""
