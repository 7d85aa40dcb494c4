"""Photos to tags: category and type from the encoder's heads, colours and pattern from the pixels, rules for the
rest; and the user's corrections, checked against the vocabulary."""
