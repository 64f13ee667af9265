"""Reusable widgets: option cards, the feedback panel, the simulation plot and tables."""
