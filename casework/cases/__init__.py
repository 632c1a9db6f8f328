"""Cases: what the committee works on; one or more complaints about the same facts."""
