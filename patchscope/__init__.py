"""patchscope: mechanical checks of "no functional change" claims in kernel patch series."""

__version__ = "0.1.0"
