//! Engine alone, one thread: call setups per second in one enterprise of 10 000 members.
//!
//! `cargo run --release -p sentral-engine --example engine_bench [-- <calls> <members>]`
//!
//! A call setup is PlaceCall (member → member by short number), Answer, HangUp: the whole life
//! of a two-party call with its events (CSTA and presence) serialised to JSON payloads, as the
//! event layer needs them.

use std::time::Instant;

use sentral_domain::Timestamp;
use sentral_engine::{
    DeviceConfig, DeviceKind, Engine, EnterpriseConfig, Input, Outcome, QueueConfig, Signal,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let members: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);

    let mut config = EnterpriseConfig::new("300001");
    for i in 0..members {
        config.devices.push(DeviceConfig::new(
            format!("479{:07}", i),
            Some(&format!("{:05}", 10_000 + i)),
            DeviceKind::Mobile {
                member_id: format!("m{i}"),
            },
        ));
    }
    config.queues.push(QueueConfig::new(
        "q1",
        "4722000100",
        sentral_engine::Strategy::Linear,
    ));
    let mut now = 1_795_000_000_000i64;
    let started = Instant::now();
    let mut engine = Engine::new(config, Timestamp::from_millis(now));
    let build = started.elapsed();

    let mut events = 0usize;
    let mut payload_bytes = 0usize;
    let started = Instant::now();
    for i in 0..calls {
        let from = format!("479{:07}", (i * 2) % members);
        let to = format!("{:05}", 10_000 + (i * 2 + 1) % members);
        let called = format!("479{:07}", (i * 2 + 1) % members);
        now += 1;
        let at = Timestamp::from_millis(now);
        let step = engine.handle(
            Input::Signal(Signal::PlaceCall {
                from: from.clone(),
                to,
            }),
            at,
        );
        assert!(matches!(step.result, Ok(Outcome::Call { .. })));
        let mut all = step.events;
        all.extend(
            engine
                .handle(Input::Signal(Signal::Answer { device: called }), at)
                .events,
        );
        all.extend(
            engine
                .handle(Input::Signal(Signal::HangUp { device: from }), at)
                .events,
        );
        for event in &all {
            payload_bytes += event.payload().to_string().len();
        }
        events += all.len();
    }
    let elapsed = started.elapsed();
    let rate = calls as f64 / elapsed.as_secs_f64();
    println!(
        "members: {members}; engine built in {:.1} ms",
        build.as_secs_f64() * 1e3
    );
    println!(
        "call setups: {calls} in {:.3} s = {:.0} per second ({:.2} µs each)",
        elapsed.as_secs_f64(),
        rate,
        elapsed.as_secs_f64() * 1e6 / calls as f64
    );
    println!(
        "events: {events} ({:.1} per call), {:.0} events/s, mean payload {} bytes",
        events as f64 / calls as f64,
        events as f64 / elapsed.as_secs_f64(),
        payload_bytes / events.max(1)
    );
    println!("calls left in progress: {}", engine.active_calls());
}
