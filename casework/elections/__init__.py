"""Election reference data: elections, regions, polling stations, candidates, results."""
