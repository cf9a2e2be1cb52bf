"""BETCORE Feed integration: REST and hub clients, message parsing, and a local sandbox.

Only modules in this package talk to BETCORE (``requests`` and ``signalrcore`` are
imported nowhere else), so the rest of the project sees typed messages, not wires.
"""
