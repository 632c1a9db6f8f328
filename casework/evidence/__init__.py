"""Evidence: files hashed at intake, stored content-addressed, never altered."""
