"""The calibrated relation model shipped with the package (model.json)."""
