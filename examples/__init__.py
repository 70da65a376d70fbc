"""Data files shipped with coopgraph (installed as package data)."""
