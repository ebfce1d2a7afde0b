"""Face camera feeds for the demo and the tests, from the public-domain faces in
sim/face/images (SOURCES.md): a citizen turning their head as asked, a printed photo held
up and tilted, two people in view, nobody; and document photos of the same faces.

    python -m sim.face --scene turn --person astronaut --direction left --out DIR
    # -> DIR/frame_0000.png ...; [face_camera] source = "DIR/frame_*.png"
"""

from sim.face.people import PEOPLE, Person, person
from sim.face.scenes import (
    document_photo,
    empty_frame,
    photo_sequence,
    turn_sequence,
    turned_frame,
    two_faces,
    write_frames,
)

__all__ = ["PEOPLE", "Person", "document_photo", "empty_frame", "person", "photo_sequence",
           "turn_sequence", "turned_frame", "two_faces", "write_frames"]
