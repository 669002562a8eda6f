"""ilmpack: build e-learning packages (SCORM 1.2) from YAML and Markdown course sources."""

__version__ = "0.1.0"
