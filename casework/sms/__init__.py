"""The SMS channel: complaints and replies through a Kannel gateway."""
