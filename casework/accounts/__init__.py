"""Staff accounts: roles, region scopes, login, throttling, administration."""
