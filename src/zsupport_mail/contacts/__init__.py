"""Who may open tickets: the clients' contacts, their authorisation history and CSV import.

- ``periods``: an authorisation period as plain data (used by the pure intake rules);
- ``history``: reading and writing the periods (table ``contact_authorization``);
- ``repository``: loads the in-memory ``Directory`` the intake rules are handed;
- ``importer``: ``contacts import``'s validation and changes.
"""
