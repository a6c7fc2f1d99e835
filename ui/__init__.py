"""The dashboard's shared pieces: cached data access, the sidebar filters, the data line and indicator cards.

Pages import from here and from figures/; they never compute a figure themselves.
"""
