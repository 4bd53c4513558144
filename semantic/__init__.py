"""Indicator definitions as data: dimensions, indicators, targets and the rules that check them.

Imports neither streamlit nor duckdb (a test enforces it).
"""
