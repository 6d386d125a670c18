"""Imports every room's scheduled jobs so that they register with api.scheduler."""
