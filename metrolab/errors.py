"""Root of metrolab's exception hierarchy.

Every failure metrolab raises is a subclass of :class:`MetrolabError`, so a
caller (the CLI above all) can tell an expected, explained failure from a bug.
Each part defines its own subclasses beside its code.
"""


class MetrolabError(Exception):
    """A failure with a message that says what happened and what to do."""


class UserInputError(MetrolabError):
    """Bad input from a user: a file, an argument, a resource string.

    The CLI prints the message on one line and exits with code 2.
    """
