"""The staff console under /console/: server-rendered pages over the same operations the API uses."""
