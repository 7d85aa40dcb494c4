"""A user's wardrobe: intake of photos, reading and changing garments, search by photo and by words, upkeep."""
