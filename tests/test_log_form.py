"""Every log line of the product reads `event key=value ...` (the form the journal is
searched in), the devices' included: the first argument of each logging call is a string
literal of that form."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORM = re.compile(r"^(ALERT )?[a-z][a-z0-9_]*( [a-z_0-9]+=\S*)*$")
METHODS = {"debug", "info", "warning", "error", "exception", "critical"}


def log_calls(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in METHODS and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("log", "logger") and node.args):
            yield node.lineno, node.args[0]


def test_every_log_line_is_event_key_value():
    bad = []
    for package in ("launcher", "kiosk", "devices", "offline_queue", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, first in log_calls(path):
                text = first.value if isinstance(first, ast.Constant) else None
                if not isinstance(text, str) or not FORM.match(text):
                    bad.append(f"{path.relative_to(ROOT)}:{line}")
    assert bad == []
