"""Reports: the staff dashboard, the public statistics and the exports."""
