"""Where log bytes come from: files, folders, rotated sets, compressed files, tarballs, stdin.

``discover`` decides what to read and which host wrote it; ``readers`` opens bytes.
"""
