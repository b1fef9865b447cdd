"""Contract and security tests: accounts."""
