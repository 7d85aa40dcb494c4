"""Outfits: garment features, the rule prior and the learned model, composing looks, preference and feedback."""
