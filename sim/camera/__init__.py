"""Synthetic camera feeds: documents on counters, passport pages with a valid MRZ and
receipts with QR codes, each frame from a seed and with its ground truth.

    python -m sim.camera --seed 7 --out /tmp/feed --set detect --count 60
"""

from sim.camera.files import write_images, write_video
from sim.camera.scene import (
    Scene,
    SceneSpec,
    detection_set,
    hold_sequence,
    mrz_hold_set,
    mrz_set,
    qr_set,
    render_scene,
    scene,
)

__all__ = ["Scene", "SceneSpec", "detection_set", "hold_sequence", "mrz_hold_set", "mrz_set",
           "qr_set", "render_scene", "scene", "write_images", "write_video"]
