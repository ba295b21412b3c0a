//! `sentral seed --scale N`: a large customer for benchmarks, on the demo credentials.

use crate::support::DataDir;

#[test]
fn seed_scale_makes_the_customer_once_and_says_so() {
    let dir = DataDir::new("seed");
    let seeded = dir.sentral(&["seed", "--scale", "120"]).ok();
    seeded.assert_stdout_contains("Skala Kunde AS");
    seeded.assert_stdout_contains("2 accounts, 120 subscriptions");
    seeded.assert_stdout_contains("KPN customer Schaal Klant B.V. (NL77000001)");
    seeded.assert_stdout_contains("demo-kpn-scale-client");
    let again = dir.sentral(&["seed", "--scale", "120"]).failed();
    let message = again.describe();
    assert!(message.contains("fresh"), "{message}");
    let zero = dir.sentral(&["seed", "--scale", "0"]).failed();
    assert!(zero.describe().contains("scale"), "{}", zero.describe());
}
