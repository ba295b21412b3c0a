//! Business voicemail boxes and the subscriptions they serve.
