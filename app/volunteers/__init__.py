"""Volunteers: registration, profile, withdrawal and the nine area teams."""
