"""libvirt and QEMU logs: their own message catalogue, parser and reader (beside nova's)."""
