"""Supervision (督导考核): spot checks, self-checks, targets and the yearly assessment sheet."""
