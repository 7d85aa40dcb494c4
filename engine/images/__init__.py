"""Pictures in and out: safe decoding of untrusted photo bytes, and the collage of a look."""
