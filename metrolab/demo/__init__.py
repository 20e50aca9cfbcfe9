"""``metrolab demo``: a whole calibration against simulated instruments, record to certificate.

It sits above the runner, the store and the certificates because it drives all three.
"""
