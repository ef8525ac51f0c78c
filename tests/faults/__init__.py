"""Fault injection: the pipeline on a bad day (see scenarios.py and `make faults`)."""
