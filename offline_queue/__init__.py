"""The durable outbox, the encrypted blob store, the sync worker and the platform client."""
