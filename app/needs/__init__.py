"""Needs: what a village asks volunteers for (area, time, how many, skills), reviewed by county staff."""
