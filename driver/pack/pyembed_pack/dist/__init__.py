"""Python distributions (python-build-standalone layout): building our own
(`dist build`: source, build, collect, builder), reading PYTHON.json
(pythonjson), the local store (store), and packing against one (resolve,
link). native is the C side (archives, linking) through _pyembed_pack."""
