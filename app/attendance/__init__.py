"""Attendance: on-site check-in and check-out with rotating codes, service records and their
confirmation (谁组织谁记录、谁记录谁证明), hours and star levels, and certificates."""
