"""Local HTTP servers and helpers shared by the test-suite."""
