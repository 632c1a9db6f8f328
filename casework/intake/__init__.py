"""Intake: every channel (web form, API, hotline, email) funnels into one submit operation."""
