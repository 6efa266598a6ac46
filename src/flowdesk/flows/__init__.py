"""Systematic flows: pure computation, no I/O."""
