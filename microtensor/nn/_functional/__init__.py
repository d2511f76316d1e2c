"""Private home of ``microtensor.nn.functional``, split by kind."""
