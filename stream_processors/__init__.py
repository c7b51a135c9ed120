"""Faust stream processors: they feed events to the plain-Python rules and publish signals."""
