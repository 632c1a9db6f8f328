"""Site pages: public home, staff home, language switch, health, audit log."""
