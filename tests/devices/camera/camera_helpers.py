"""Shared by the camera tests: the SmartDoc-style IoU of a detected quad."""

from __future__ import annotations

import cv2
import numpy as np


def smartdoc_iou(truth, quad, size_mm) -> float:
    """Both quadrilaterals mapped into the true document's frame; IoU of the areas."""
    if quad is None:
        return 0.0
    w, h = size_mm
    ref = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    hmat = cv2.getPerspectiveTransform(np.float32(truth), ref)
    q = cv2.perspectiveTransform(np.float32(np.asarray(quad)).reshape(-1, 1, 2), hmat)
    hull = cv2.convexHull(q.reshape(-1, 2)).reshape(-1, 2)
    inter, _ = cv2.intersectConvexConvex(ref, hull)
    union = w * h + cv2.contourArea(hull) - inter
    return float(inter / union)
