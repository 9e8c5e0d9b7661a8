"""The Jupyter server extension: REST handlers over the core. No logic lives here."""
