"""The fingerprint engine: plain Python with numpy, OpenCV and PyAV, and no Django.

Each fingerprinter (signal type) has a folder here declaring itself (engine/base.py is the contract);
engine/registry.py finds them, engine/extract.py runs those of a media kind over one input.
"""
