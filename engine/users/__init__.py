"""The people using the stylist: their profiles (place, time zone, morning push) and places found by name."""
