"""Test support for metrolab users' own CI: simulators served over real transports."""
