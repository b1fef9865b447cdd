"""Regions: the five-level administrative tree with official codes, and the flags staff set."""
