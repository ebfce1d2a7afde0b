"""Device ports and adapters: card/, camera/, printer/ (each its own package)."""
