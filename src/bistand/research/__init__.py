"""Research and what-if: the simulation of a rule change over the stored calculations (simulation.py)."""
