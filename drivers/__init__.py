"""Instrument drivers, installed as ``metrolab.drivers``.

One subpackage per manufacturer; each driver sits beside its simulator and its
published specifications.
"""
