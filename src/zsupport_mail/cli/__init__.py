"""The ``zsupport-mail`` command line: ``main`` parses and dispatches, one module per command
group does the work, and ``views`` shapes rows into the JSON and text people read.
"""
