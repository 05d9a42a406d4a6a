"""loganalyzer: nova live-migration log analysis, prediction and verification."""

__version__ = "0.1.0"
