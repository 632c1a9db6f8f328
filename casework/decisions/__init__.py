"""Findings on a case's allegations and the committee's decisions on the case."""
