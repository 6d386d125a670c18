"""The `divert` command line (CONTRACT §1): a shell over every room, kept out of the kernel package."""
