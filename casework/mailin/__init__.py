"""Email intake: messages piped from the mail server or fetched over IMAP."""
