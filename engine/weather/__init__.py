"""The weather a look is for: a live forecast or a seasonal guess, and what it means for clothes."""
