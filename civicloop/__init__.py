"""civicloop: closed-loop urban management (数字城管) and citizen snap-reports (随手拍)."""

__version__ = "0.1.0"
