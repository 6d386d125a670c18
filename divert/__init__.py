"""divert: a geo-aware directory of diversion services with live capacity and a non-displacing matcher."""

__version__ = "0.1.0"
