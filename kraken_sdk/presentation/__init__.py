"""Presentation: columns decided once (columns.py); HTML, text, pandas, plots render them."""
