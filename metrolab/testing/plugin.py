"""pytest plugin (entry point ``pytest11``): fixtures that serve metrolab's simulators."""
