"""zsupport-mail: turns a Zultys MX support desk's inbox into tickets."""

__version__ = "0.1.0"
