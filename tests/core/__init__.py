"""Contract and security tests: core."""
