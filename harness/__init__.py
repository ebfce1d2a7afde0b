"""What runs the kiosk against the simulators: the demo, the outbox demo, the soak run and
the probe that taps the live QML in tests. It may use every package; nothing of the product
(kiosk, devices, offline_queue, ui, launcher) imports it, and it is not shipped."""
