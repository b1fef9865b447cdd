"""The console's pages, one module per menu entry (importing one registers its views on the blueprint)."""
