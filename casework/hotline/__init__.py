"""The hotline console: operators log calls and record complaints for callers."""
