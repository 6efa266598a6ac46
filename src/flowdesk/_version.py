"""The package version, kept apart so that no flowdesk module imports the root package."""

__version__ = "0.1.0"
