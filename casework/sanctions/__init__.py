"""Sanctions: proposal, four-eyes approval, effects and their reversal, appeals, impact."""
