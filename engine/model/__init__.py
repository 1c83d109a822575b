"""The TerraScope network (InternVL + SAM 2 parts), its registry of sizes, and grounded decoding."""
