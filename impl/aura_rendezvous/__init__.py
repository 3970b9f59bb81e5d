"""Reference implementation of the Aura rendezvous design (sans-IO core)."""

__all__: list[str] = []
