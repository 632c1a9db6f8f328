"""The public JSON API v1 and its OpenAPI document."""
