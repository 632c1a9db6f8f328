"""Results certification per region and the staff results pages (import)."""
