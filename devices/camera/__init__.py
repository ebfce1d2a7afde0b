"""The document camera: capture, document detection, rectification, quality gates and
auto-capture, MRZ reading and QR/barcode reading. No Qt here; run it on a worker thread.

    from devices.camera import detect_document, read_mrz, read_codes
"""

from devices.camera.autocapture import AutoCapture, ScanState
from devices.camera.capture import Capture
from devices.camera.codes import read_codes
from devices.camera.detect import detect_document
from devices.camera.encode import Material, encode_jpeg
from devices.camera.mrz_reader import MrzReading, MrzVoter, read_mrz
from devices.camera.port import (
    CameraError,
    CameraPort,
    CameraSettings,
    CapturedPage,
    Code,
    Frame,
    GateResult,
    Quad,
)
from devices.camera.preview import PreviewPipeline
from devices.camera.quality import GateSettings, QualityGates, first_reason
from devices.camera.rectify import DocumentKind, guess_kind, rectify
from devices.status import DeviceState, DeviceStatus

__all__ = [
    "AutoCapture", "CameraError", "CameraPort", "CameraSettings", "Capture", "CapturedPage",
    "Code", "DeviceState", "DeviceStatus", "DocumentKind", "Frame", "GateResult",
    "GateSettings", "Material", "MrzReading", "MrzVoter", "PreviewPipeline", "Quad", "QualityGates",
    "ScanState", "detect_document", "encode_jpeg", "first_reason", "guess_kind", "read_codes",
    "read_mrz", "rectify",
]
