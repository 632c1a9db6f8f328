"""Shared mechanisms: database base, audit chain, security headers, i18n, errors."""
