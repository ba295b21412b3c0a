//! Transfer and conference of two calls that share a party other than the joining device: the
//! join would put that device in one call twice (found by the property test), so it is refused
//! and both calls stay as they were.

mod world;

use sentral_engine::{Command, Input, Outcome};
use world::*;

#[test]
fn joining_two_calls_with_the_same_other_party_is_refused() {
    for conference in [false, true] {
        let mut world = World::new();
        let first = world.connected(C, OUTSIDE);
        let step = world.step(Input::Command(Command::ConsultationCall {
            call: first,
            device: C.into(),
            to: OUTSIDE.into(),
        }));
        let Ok(Outcome::Call { call: second, .. }) = step.result else {
            panic!("{:?}", step.result)
        };
        world.command(Command::AnswerCall {
            call: second,
            device: OUTSIDE.into(),
        });
        let join = if conference {
            Command::ConferenceCall {
                device: C.into(),
                held_call: first,
                active_call: second,
            }
        } else {
            Command::TransferCall {
                device: C.into(),
                held_call: first,
                active_call: second,
            }
        };
        let step = world.step(Input::Command(join));
        let error = step
            .result
            .expect_err("a join of two calls with the same far end");
        assert_eq!(error.name(), "requestIncompatibleWithObject", "{error:?}");
        assert!(error.to_string().contains(OUTSIDE), "{error}");
        for call in [first, second] {
            let parties = world.engine.snapshot_call(call).unwrap().connections.len();
            assert_eq!(
                parties, 2,
                "conference {conference}: call {call:?} unchanged"
            );
        }
        check(&world.engine);
    }
}
