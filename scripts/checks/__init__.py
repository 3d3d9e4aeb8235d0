"""The checks behind ``clearpress check``, one module per concern (see :mod:`scripts.check`)."""
