"""Statistics: the staff dashboard's figures per region, child region and area (one query layer, queries.py)."""
