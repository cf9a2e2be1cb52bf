"""The widget protocol, one module per direction, and the names both ends share.

``events``       worker → web processes (channel-layer events)
``browser``      server → browser (what widget.js handles)
``client``       browser → server (what a widget socket accepts)
``views``        the pieces browser messages are made of (also the store's values)
``keys``         store keys and channel-layer group names
``close_codes``  why a widget socket was closed (``CloseCode``)
``js``           writes the constants widget.js shares with Python (``python -m feed.protocol.js``)

The feed package defines the protocol; the widget app imports it, never the reverse.
"""
