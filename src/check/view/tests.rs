use super::*;
use crate::sim::faults::FaultKind;
use crate::trace::{Cause, Outcome};

fn ev(t: u64, at: u16, obj: Option<u32>, epoch: u32, what: What) -> TraceEntry {
    TraceEntry {
        t,
        at: LocationId(at),
        obj: obj.map(ObjectRef),
        epoch,
        what,
    }
}

/// Client 0 calls `COUNTER("<room & co>")` on host-0 (locations 3, 4 are
/// hosts in a 3-client world); the host crashes and a second instance runs.
fn trace() -> Vec<TraceEntry> {
    let named = What::ObjectNamed {
        namespace: "COUNTER".into(),
        id: "ab".repeat(32).into(),
        name: Some("<room & co>".into()),
    };
    let sent = |call| What::CallSent {
        call,
        stub: 1,
        seq: call as u32,
        method: "increment".into(),
        from: None,
        args: None,
    };
    let delivered = |call, event| What::CallDelivered {
        call,
        stub: 1,
        seq: call as u32,
        event,
    };
    vec![
        ev(0, 0, None, 0, What::RunStarted { seed: 7 }),
        ev(0, 0, Some(0), 0, named),
        ev(10, 0, Some(0), 0, sent(1)),
        ev(2_000_000, 3, Some(0), 1, What::InstanceCreated),
        ev(2_000_000, 3, Some(0), 1, delivered(1, 1)),
        ev(
            2_000_000,
            3,
            Some(0),
            1,
            What::EventStarted {
                event: 1,
                cause: Cause::Call(1),
            },
        ),
        ev(
            2_000_100,
            3,
            Some(0),
            1,
            What::StorageWrote {
                event: 1,
                batch: 1,
                key: 1,
                value: Some(2),
                key_text: None,
                value_text: None,
            },
        ),
        ev(
            2_000_200,
            3,
            Some(0),
            1,
            What::EventEnded {
                event: 1,
                outcome: Outcome::Ok,
            },
        ),
        ev(3_000_000, 5, Some(0), 1, What::BatchConfirmed { batch: 1 }),
        ev(
            3_000_000,
            3,
            Some(0),
            1,
            What::OutputReleased { event: 1, batch: 1 },
        ),
        ev(
            5_000_000,
            0,
            Some(0),
            0,
            What::ReplyReceived {
                call: 1,
                ok: true,
                result: None,
            },
        ),
        ev(
            6_000_000,
            3,
            None,
            0,
            What::FaultInjected {
                fault: FaultKind::Crash,
                target: "host-0".into(),
            },
        ),
        ev(
            6_000_000,
            3,
            Some(0),
            1,
            What::InstanceEnded {
                reason: crate::trace::EndReason::Crash,
            },
        ),
        ev(7_000_000, 0, Some(0), 0, sent(2)),
        ev(9_000_000, 4, Some(0), 2, What::InstanceCreated),
        ev(9_000_000, 4, Some(0), 2, delivered(2, 2)),
        ev(
            9_500_000,
            3,
            None,
            0,
            What::FaultHealed {
                fault: FaultKind::Crash,
                target: "host-0".into(),
            },
        ),
        ev(
            9_600_000,
            0,
            None,
            0,
            What::Note {
                text: "a<b & c>d".into(),
            },
        ),
    ]
}

fn render(failure: Option<&str>, failure_event: Option<usize>) -> String {
    let world = WorldConfig::default();
    let trace = trace();
    render_html(&ViewRun {
        test: "counter<racy>",
        seed: Seed(0x5eed),
        trace: &trace,
        world: &world,
        failure,
        failure_event,
    })
}

#[test]
fn the_violation_is_at_the_top_and_marked_in_red() {
    let html = render(
        Some("invariant `output-gate` violated: reply before batch 1"),
        Some(9),
    );
    let top = html.find("class=\"violation\"").expect("a violation box");
    assert!(
        top < html.find("<svg").unwrap(),
        "the message comes before the timeline"
    );
    assert!(html.contains("FAILED: invariant `output-gate` violated: reply before batch 1"));
    assert!(
        html.contains("id=\"violation\""),
        "a red line in the timeline"
    );
    assert!(
        html.contains("class=\"ring\""),
        "the flagged event is ringed"
    );
    assert!(html.contains("scrollLeft"), "the page scrolls to it");
    let passed = render(None, None);
    assert!(passed.contains("class=\"passed\""));
    assert!(!passed.contains("id=\"violation\""));
}

#[test]
fn one_lane_per_client_and_per_instance() {
    let html = render(None, None);
    // client-0 and host-0 (its fault events); COUNTER instances @1 and @2
    // (the batch confirmed at storage belongs to instance @1).
    assert_eq!(html.matches("class=\"lane inst\"").count(), 2, "{html}");
    assert_eq!(html.matches("class=\"lane\"").count(), 2);
    assert!(html.contains("client client-0"));
    assert!(html.contains("@1 on host-0") && html.contains("@2 on host-1"));
}

#[test]
fn calls_replies_batches_and_faults_are_drawn() {
    let html = render(None, None);
    assert_eq!(
        html.matches("class=\"arr call\"").count(),
        2,
        "two calls delivered"
    );
    assert_eq!(html.matches("class=\"arr ok\"").count(), 1, "one reply");
    assert_eq!(
        html.matches("class=\"conf\"").count(),
        1,
        "one batch confirmed"
    );
    assert_eq!(
        html.matches("class=\"fault\"").count(),
        1,
        "the crash, as one band"
    );
    assert!(html.contains("⚡ crash host-0"));
}

#[test]
fn the_page_is_self_contained_svg() {
    let html = render(Some("x"), None);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert_eq!(html.matches("<g").count(), html.matches("</g>").count());
    for remote in ["http:", "https:", "src=", "@import", "url(http"] {
        let hits: Vec<_> = html.match_indices(remote).collect();
        // The SVG namespace is an identifier, not a fetch.
        assert!(
            hits.iter()
                .all(|(i, _)| html[i.saturating_sub(7)..].starts_with("xmlns=\"")),
            "{remote} in the page"
        );
    }
}

#[test]
fn user_strings_are_escaped() {
    let html = render(Some("count is <3> & 'low'"), None);
    assert!(html.contains("count is &lt;3&gt; &amp; &#39;low&#39;"));
    assert!(!html.contains("<3>"));
    assert!(html.contains("COUNTER(&quot;&lt;room &amp; co&gt;&quot;)"));
    assert!(html.contains("a&lt;b &amp; c&gt;d"));
    assert!(html.contains("counter&lt;racy&gt;"));
    assert!(!html.contains("<room"));
}

#[test]
fn the_page_opens_on_the_story_and_rings_its_events() {
    let html = render(Some("property failed: the counter reads 1"), None);
    let list = html
        .find("<div class=\"story\">")
        .expect("the story's list");
    assert!(
        list < html.find("<svg").unwrap(),
        "listed above the timeline"
    );
    assert!(html.contains("instance ended: Crash"), "the crash is told");
    let ring = html
        .find("<circle class=\"story\" cx=\"")
        .expect("story events are ringed");
    let rest = &html[ring + "<circle class=\"story\" cx=\"".len()..];
    let first_x = &rest[..rest.find('"').unwrap()];
    assert!(
        html.contains(&format!(
            "s.scrollLeft=Math.max(0,{first_x}-s.clientWidth*0.1)"
        )),
        "the page opens on the story's first event ({first_x})"
    );
    let passed = render(None, None);
    assert!(
        !passed.contains("class=\"story\""),
        "a passing run has no story"
    );
}
