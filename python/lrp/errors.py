"""Exceptions raised for the status codes of liblrp; each carries the library's message."""


class LRPError(Exception):
    """A call into liblrp failed. `status` is the lrp_status code, `message` the library's explanation."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status


class LRPArgumentError(LRPError, ValueError):
    """A bad argument: unknown rule or format name, bad parameter, layer index out of range."""


class LRPIOError(LRPError, OSError):
    """A file is missing, unreadable or unwritable."""


class LRPFormatError(LRPError, ValueError):
    """A file's content is malformed or truncated (or, for pickles, refers to something a model never holds)."""


class LRPShapeError(LRPError, ValueError):
    """An array does not fit the model or layer."""


class LRPStateError(LRPError, RuntimeError):
    """A call in the wrong state, e.g. relevance before any forward pass."""


class LRPUnsupportedError(LRPError, NotImplementedError):
    """A well-formed request the library does not implement."""


class LRPMemoryError(LRPError, MemoryError):
    """An allocation could not be satisfied."""


#: The exception class for each lrp_status code (0 is LRP_OK).
BY_STATUS = {
    1: LRPArgumentError,
    2: LRPIOError,
    3: LRPFormatError,
    4: LRPShapeError,
    5: LRPStateError,
    6: LRPUnsupportedError,
    7: LRPMemoryError,
}
