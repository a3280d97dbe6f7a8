"""Where mail and people reach the daemon: the SMTP listener, the IMAP poller and the web
portal. Each commits what it accepts to the inbox before it says yes, and nothing else.
"""
