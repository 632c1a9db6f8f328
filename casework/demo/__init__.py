"""Demo data and its seeders: never imported by the product."""
