"""FastAGI: a sans-I/O protocol core (``protocol``), an asyncio server and our scripts."""
