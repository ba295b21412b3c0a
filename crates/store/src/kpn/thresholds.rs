//! Usage thresholds and the contracts assigned to them.
