//! Usage thresholds on contracts (KPN part 3): DATA_NATIONAL_MB, DATA_ROAMING_MB,
//! VOICE_NATIONAL_MIN, VOICE_ROAMING_EUR, at most one per type on a contract.
