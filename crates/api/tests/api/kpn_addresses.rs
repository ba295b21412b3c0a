//! KPN part 2 tests: filled by the work that owns them.
