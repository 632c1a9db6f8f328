"""The public register of decisions and the public standings pages."""
