"""One module per ``parareop`` command group; each defines ``register(subparsers)``."""
