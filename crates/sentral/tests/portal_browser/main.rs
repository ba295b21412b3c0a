//! The onboarding portal in real Chromium (Debian's chromium + chromium-driver over WebDriver)
//! against a real `sentral serve --demo`. Screenshots of the main pages are written as test
//! artefacts (see `webdriver::screenshot_dir`).

mod basics;
mod journey;
mod refusals;
mod server;
mod webdriver;
