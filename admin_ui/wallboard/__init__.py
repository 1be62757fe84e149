"""The live wallboard (/wallboard): queues, agents, calls by interval, abandoned calls."""
