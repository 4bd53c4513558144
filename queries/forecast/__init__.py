"""Projections ("gestion anticipative"): expected departures, occupancy trajectories, year-end
targets, and the back-test that decides whether each method may be shown as a forecast.

Every figure starts as an answer of the query layer (`queries.evaluate.run` with the user's
scope), so a partner's projections are computed from the same perturbed, masked counts as the
rest of the portal. No SQL here; no Streamlit. Method and figures: docs/anticipation.md.
"""
