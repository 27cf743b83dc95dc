"""Configuration: models (:mod:`.models`) and the loader with located errors (:mod:`.loader`)."""
