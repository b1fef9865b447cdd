"""Contract and security tests: volunteers."""
