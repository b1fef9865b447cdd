"""Exports for assessment: service records as xlsx, and the national volunteer information system's items."""
