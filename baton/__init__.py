"""baton's shell: CLI, settings, database engine; wires the other packages together."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("baton")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
