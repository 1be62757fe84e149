"""Call recording capture: snoop channels on a queue call's two parties.

The rules and the files are the kernel's (``hotline/recordings``); this
package only drives Asterisk through ARI.
"""
