"""The soak run: scripted visits through the flow against every simulator, with faults
injected at random (`python -m harness.soak N`; see docs/soak.md)."""
