"""Outputs built from the stored data: the district-control map and exports."""
