"""Call recordings: the policy, the files and who may reach them.

The capture itself (ARI snoop channels on the bridge) is the call handling's
(``ari_apps/recordings``); everything a page, the API or a purge needs is
here, without Asterisk.
"""
