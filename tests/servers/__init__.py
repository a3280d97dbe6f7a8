"""Throwaway real servers (PostgreSQL, Dovecot, Postfix, an authenticating relay, an OAuth2
authorization server) for the test suite.

Each server lives in a temp dir on a free loopback port, so tests need nothing installed as a
running system service and never touch another test's (or the machine's) servers.
"""
