"""The mail toolbox: everything that reads or writes RFC 5322 messages, and nothing else.

- ``message``: one ``ParsedMessage`` from mail-parser (the only module that imports it);
- ``slim``: large base64 parts hashed at byte level and kept out of the parse;
- ``addresses``: normalised addr-specs, IDNA, look-alike skeletons;
- ``bounces``: delivery status notifications (flufl.bounce);
- ``tokens``: signed Message-IDs and fill-in tokens;
- ``filenames``: safe attachment names;
- ``text``: HTML to text and other text helpers;
- ``replies``: the Jinja2 environment that renders our replies into ``EmailMessage``.
"""
