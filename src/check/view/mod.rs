//! One run drawn as a timeline, in a single self-contained HTML page (inline
//! CSS, SVG and a few lines of JS; no network, no fonts to fetch).
//!
//! One horizontal lane per client location and per object instance
//! (object + epoch), plus one per other place that records events of its
//! own. Events are marks on their lane; calls are arrows from the caller's
//! lane to the instance that ran them, and replies arrows back. Confirmed
//! batches are green diamonds, faults coloured bands across every lane,
//! and the violation a red line with its message at the top of the page.
//! A failed run's story (see `check::story`) is listed above the timeline,
//! its events ringed on it, and the page opens on its first event.
//!
//! The horizontal axis is simulated time, squeezed: every drawn event
//! advances it a little, and a longer gap a little more (logarithmically),
//! so a burst of events in one millisecond stays readable next to a run
//! that lasts a simulated minute. Tick labels give the real times.

use std::collections::BTreeMap;
use std::fmt::Write as _;

mod page;
use page::{page, Drawn};

use crate::sim::clock::format_sim_time;
use crate::sim::seed::Seed;
use crate::sim::world_config::{LocationId, LocationKind, WorldConfig};
use crate::trace::text::{describe, object_names};
use crate::trace::{ObjectRef, TraceEntry, What};

/// What the page shows.
pub(crate) struct ViewRun<'a> {
    /// The sweep's name.
    pub(crate) test: &'a str,
    /// The run's seed.
    pub(crate) seed: Seed,
    /// Every event of the run.
    pub(crate) trace: &'a [TraceEntry],
    /// The world it ran in (location names and kinds).
    pub(crate) world: &'a WorldConfig,
    /// Why it failed, if it did.
    pub(crate) failure: Option<&'a str>,
    /// The event a monitor flagged, if one did.
    pub(crate) failure_event: Option<usize>,
}

/// Events drawn at most; a longer run shows its last ones (where it failed).
pub(crate) const EVENTS_DRAWN_MAX: usize = 20_000;

const LANE_H: f64 = 30.0;
const TOP: f64 = 96.0;
/// Rows of fault labels above the lanes.
const FAULT_ROWS: usize = 4;
pub(crate) const LABEL_W: f64 = 300.0;

/// A lane: clients first, then object instances, then other places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Lane {
    Client(LocationId),
    Instance(ObjectRef, u32),
    Place(LocationId),
}

/// Whether `what` is recorded at the caller's side of a call (its `obj` is
/// the callee then, not where it happened).
fn at_caller(what: &What) -> bool {
    matches!(
        what,
        What::CallSent { .. }
            | What::ReplyReceived { .. }
            | What::CallRetried { .. }
            | What::CallAbandoned { .. }
    ) || matches!(what, What::MessageDropped { call, .. } if *call != 0)
}

fn lane_of(e: &TraceEntry, world: &WorldConfig) -> Lane {
    let place = || match world.locations().get(e.at.0 as usize).map(|l| l.kind) {
        Some(LocationKind::Client) => Lane::Client(e.at),
        _ => Lane::Place(e.at),
    };
    match e.obj {
        Some(obj) if !at_caller(&e.what) => Lane::Instance(obj, e.epoch),
        _ => place(),
    }
}

/// Whether an event is drawn (the rest are too fine-grained to see).
fn drawn(what: &What) -> bool {
    !matches!(
        what,
        What::ObjectNamed { .. }
            | What::EventAwaited { .. }
            | What::EventResumed { .. }
            | What::StorageStarted { .. }
            | What::StorageEnded { .. }
            | What::FaultsPlanned { .. }
            | What::RunStarted { .. }
    )
}

/// Escapes `<`, `>`, `&` and quotes for HTML text and attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The colour of a fault kind's band.
fn fault_color(kind: &str) -> &'static str {
    match kind {
        "crash" => "#d62728",
        "partition" => "#9467bd",
        "message_loss" => "#8c564b",
        "storage_failure" => "#e377c2",
        "slow_storage" => "#bcbd22",
        "evict" | "hibernate" => "#17becf",
        "code_update" => "#ff7f0e",
        _ => "#7f7f7f",
    }
}

/// Where each drawn event goes: its index in the trace, lane and x.
pub(crate) struct Layout {
    marks: Vec<(usize, Lane, f64)>,
    pub(crate) lanes: Vec<Lane>,
    pub(crate) width: f64,
    ticks: Vec<(f64, u64)>,
    pub(crate) hidden: usize,
}

fn layout(run: &ViewRun) -> Layout {
    let mut indices: Vec<usize> = (0..run.trace.len())
        .filter(|i| drawn(&run.trace[*i].what))
        .collect();
    let end = run
        .failure_event
        .map_or(indices.len(), |f| indices.partition_point(|i| *i <= f));
    let start = end.saturating_sub(EVENTS_DRAWN_MAX);
    let hidden = start;
    indices = indices[start..].to_vec();
    indices.truncate(EVENTS_DRAWN_MAX);
    let (mut x, mut prev_t) = (16.0, None::<u64>);
    let (mut marks, mut ticks) = (Vec::new(), Vec::new());
    let mut lanes = std::collections::BTreeSet::new();
    let mut last_tick = f64::MIN;
    for i in indices {
        let e = &run.trace[i];
        x += match prev_t {
            Some(p) if p == e.t => 2.0,
            Some(p) => 5.0 + ((e.t - p) as f64 / 1_000.0 + 1.0).log2().min(10.0) * 3.0,
            None => 0.0,
        };
        prev_t = Some(e.t);
        if x - last_tick >= 160.0 {
            ticks.push((x, e.t));
            last_tick = x;
        }
        let lane = lane_of(e, run.world);
        lanes.insert(lane);
        marks.push((i, lane, x));
    }
    Layout {
        marks,
        lanes: lanes.into_iter().collect(),
        width: x + 760.0,
        ticks,
        hidden,
    }
}

/// The page for `run`.
pub(crate) fn render_html(run: &ViewRun) -> String {
    let names = object_names(run.trace);
    let lay = layout(run);
    let lane_y: BTreeMap<Lane, f64> = lay
        .lanes
        .iter()
        .enumerate()
        .map(|(k, l)| (*l, TOP + LANE_H * k as f64 + LANE_H / 2.0))
        .collect();
    let height = TOP + LANE_H * lay.lanes.len() as f64 + 20.0;
    let loc_name = |l: LocationId| {
        run.world
            .locations()
            .get(l.0 as usize)
            .map_or("?".to_string(), |l| l.name.clone())
    };
    let mut hosts: BTreeMap<(ObjectRef, u32), LocationId> = BTreeMap::new();
    for e in run.trace {
        if let (What::InstanceCreated, Some(o)) = (&e.what, e.obj) {
            hosts.entry((o, e.epoch)).or_insert(e.at);
        }
    }
    let label = |lane: &Lane| match lane {
        Lane::Client(l) => format!("client {}", loc_name(*l)),
        Lane::Place(l) => loc_name(*l),
        Lane::Instance(o, epoch) => {
            let name = names.get(o).cloned().unwrap_or_else(|| format!("#{}", o.0));
            match (epoch, hosts.get(&(*o, *epoch))) {
                (0, _) => format!("{name} runtime"),
                (_, Some(h)) => format!("{name} @{epoch} on {}", loc_name(*h)),
                (_, None) => format!("{name} @{epoch}"),
            }
        }
    };

    let mut svg = String::new();
    let mut labels = String::new();
    for (lane, y) in &lane_y {
        let class = match lane {
            Lane::Instance(..) => "lane inst",
            _ => "lane",
        };
        let _ = write!(
            svg,
            r#"<line class="{class}" x1="0" y1="{y}" x2="{w}" y2="{y}"/>"#,
            w = lay.width
        );
        let _ = write!(
            labels,
            r#"<text x="{x}" y="{ty}" class="lbl">{}</text>"#,
            escape(&label(lane)),
            x = LABEL_W - 8.0,
            ty = y + 4.0
        );
    }
    for (x, t) in &lay.ticks {
        let _ = write!(
            svg,
            r#"<line class="tick" x1="{x}" y1="{a}" x2="{x}" y2="{b}"/><text class="tt" x="{x}" y="{ty}">{}</text>"#,
            escape(&format_sim_time(*t)),
            a = TOP - 8.0,
            b = height - 20.0,
            ty = TOP - 12.0
        );
    }
    draw_faults(&mut svg, run, &lay, height);
    draw_marks(&mut svg, run, &lay, &lane_y, &label);
    let violation_x = draw_violation(&mut svg, run, &lay, &lane_y, height);
    let story = match run.failure {
        Some(_) => super::story::story(run.trace, run.failure_event, run.world),
        None => Default::default(),
    };
    let story_x = draw_story(&mut svg, &story.events, &lay, &lane_y);
    let list = story_list(run, &story);
    page(
        run,
        &lay,
        Drawn {
            labels: &labels,
            svg: &svg,
            story: &list,
        },
        height,
        // The story's start near the left edge; a violation with the
        // events before it in view.
        story_x.map(|x| (x, 0.1)).or(violation_x.map(|x| (x, 0.6))),
    )
}

/// Rings the story's events; returns the x of the first one drawn.
fn draw_story(
    svg: &mut String,
    story: &[usize],
    lay: &Layout,
    lane_y: &BTreeMap<Lane, f64>,
) -> Option<f64> {
    let mut first = None;
    for (i, lane, x) in &lay.marks {
        if story.binary_search(i).is_ok() {
            first.get_or_insert(*x);
            let _ = write!(
                svg,
                r#"<circle class="story" cx="{x}" cy="{}" r="7"/>"#,
                lane_y[lane]
            );
        }
    }
    first
}

/// The story's events as lines of text, for the list above the timeline.
fn story_list(run: &ViewRun, story: &super::story::Story) -> String {
    if story.events.is_empty() {
        return String::new();
    }
    let lines = crate::trace::text::Lines::new(run.trace, run.world);
    let names = object_names(run.trace);
    let name = story
        .object
        .and_then(|o| names.get(&o).cloned())
        .unwrap_or_default();
    let mut out = format!(
        r#"<div class="story"><b>story: {}: {}</b>"#,
        escape(&name),
        escape(&story.headline)
    );
    for &i in &story.events {
        let _ = write!(out, "\n{}", escape(lines.line(&run.trace[i]).trim_start()));
    }
    out.push_str("</div>");
    out
}

/// Bands for faults: from injection to healing (or a line when never
/// healed), with the fault's name in the top row.
fn draw_faults(svg: &mut String, run: &ViewRun, lay: &Layout, height: f64) {
    let mut open: BTreeMap<(String, String), f64> = BTreeMap::new();
    // Where each label row is free from (labels must not overlap).
    let mut free_from = [f64::MIN; FAULT_ROWS];
    let mut band = |svg: &mut String, kind: &str, target: &str, x0: f64, x1: f64| {
        let c = fault_color(kind);
        let text = format!("{kind} {target}");
        let row = (0..FAULT_ROWS)
            .find(|r| free_from[*r] <= x0)
            .unwrap_or_else(|| {
                (0..FAULT_ROWS)
                    .min_by(|a, b| free_from[*a].total_cmp(&free_from[*b]))
                    .unwrap_or(0)
            });
        free_from[row] = x0 + 14.0 + 6.5 * text.chars().count() as f64;
        let _ = write!(
            svg,
            r#"<rect class="fault" x="{x0}" y="{t}" width="{w}" height="{h}" fill="{c}"><title>{}</title></rect><line x1="{x0}" y1="{t}" x2="{x0}" y2="{b}" stroke="{c}" stroke-width="2"/><text class="ft" x="{tx}" y="{ty}" fill="{c}">⚡ {}</text>"#,
            escape(&format!("fault {kind}: {target}")),
            escape(&text),
            t = TOP - 36.0,
            w = (x1 - x0).max(3.0),
            h = height - TOP + 20.0,
            b = height - 20.0,
            tx = x0 + 3.0,
            ty = 14.0 + 13.0 * row as f64
        );
    };
    for (i, _, x) in &lay.marks {
        match &run.trace[*i].what {
            What::FaultInjected { fault, target } => {
                let key = (fault.to_string(), target.clone());
                match open.entry(key) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        band(svg, &e.key().0, &e.key().1, *x, *x)
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(*x);
                    }
                }
            }
            What::FaultHealed { fault, target } => {
                let key = (fault.to_string(), target.clone());
                let x0 = open.remove(&key).unwrap_or(*x);
                band(svg, &key.0, &key.1, x0, *x);
            }
            _ => {}
        }
    }
    for ((kind, target), x0) in open {
        band(svg, &kind, &target, x0, x0);
    }
}

/// Marks, event spans, and the arrows of calls and replies.
fn draw_marks(
    svg: &mut String,
    run: &ViewRun,
    lay: &Layout,
    lane_y: &BTreeMap<Lane, f64>,
    label: &dyn Fn(&Lane) -> String,
) {
    let mut sent: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    let mut delivered: BTreeMap<u64, u64> = BTreeMap::new(); // call → event
    let mut started: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    let mut answered_from: BTreeMap<u64, (f64, f64)> = BTreeMap::new(); // event → point
    let mut arrows = String::new();
    for (i, lane, x) in &lay.marks {
        let e = &run.trace[*i];
        let y = lane_y[lane];
        let title = escape(&format!(
            "t={}  {}  {}",
            format_sim_time(e.t),
            label(lane),
            describe(&e.what, run.world)
        ));
        let mark = |svg: &mut String, shape: &str| {
            let _ = write!(
                svg,
                "{}<title>{title}</title></g>",
                shape
                    .replace("{x}", &x.to_string())
                    .replace("{y}", &y.to_string())
            );
        };
        match &e.what {
            What::CallSent { call, .. } => {
                sent.insert(*call, (*x, y));
                mark(svg, r#"<g><circle class="call" cx="{x}" cy="{y}" r="3"/>"#);
            }
            What::CallDelivered { call, event, .. } => {
                delivered.insert(*call, *event);
                if let Some((sx, sy)) = sent.get(call) {
                    let _ = write!(
                        arrows,
                        r#"<line class="arr call" x1="{sx}" y1="{sy}" x2="{x}" y2="{y}" marker-end="url(#ah)"/>"#
                    );
                }
                mark(svg, r#"<g><circle class="call" cx="{x}" cy="{y}" r="3"/>"#);
            }
            What::EventStarted { event, .. } => {
                started.insert(*event, (*x, y));
            }
            What::EventEnded { event, .. } => {
                if let Some((sx, sy)) = started.remove(event) {
                    let _ = write!(
                        svg,
                        r#"<rect class="ev" x="{sx}" y="{}" width="{}" height="8"/>"#,
                        sy - 4.0,
                        (x - sx).max(2.0)
                    );
                }
                answered_from.entry(*event).or_insert((*x, y));
            }
            What::OutputReleased { event, .. } => {
                answered_from.insert(*event, (*x, y));
                mark(
                    svg,
                    r#"<g><rect class="rel" x="{x}" y="{y}" width="4" height="4" transform="translate(-2,-2)"/>"#,
                );
            }
            What::OutputHeld { .. } => {
                mark(
                    svg,
                    r#"<g><rect class="held" x="{x}" y="{y}" width="4" height="4" transform="translate(-2,-2)"/>"#,
                );
            }
            What::ReplyReceived { call, ok, .. } => {
                let from = delivered.get(call).and_then(|ev| answered_from.get(ev));
                let class = if *ok { "ok" } else { "err" };
                if let Some((fx, fy)) = from {
                    let _ = write!(
                        arrows,
                        r#"<line class="arr {class}" x1="{fx}" y1="{fy}" x2="{x}" y2="{y}" marker-end="url(#ah-{class})"/>"#
                    );
                }
                mark(
                    svg,
                    &format!(r#"<g><circle class="{class}" cx="{{x}}" cy="{{y}}" r="3.5"/>"#),
                );
            }
            What::BatchConfirmed { .. } => mark(
                svg,
                r#"<g><path class="conf" d="M{x} {y} m0 -6 l5 6 l-5 6 l-5 -6 z"/>"#,
            ),
            What::StorageWrote { .. } | What::StorageWiped { .. } => {
                mark(svg, r#"<g><path class="wr" d="M{x} {y} m0 -6 v12"/>"#)
            }
            What::MessageDropped { .. } | What::Panicked { .. } => {
                mark(svg, r#"<g><text class="x" x="{x}" y="{y}" dy="4">✕</text>"#)
            }
            What::InstanceCreated => mark(
                svg,
                r#"<g><rect class="life" x="{x}" y="{y}" width="3" height="20" transform="translate(-1.5,-10)"/>"#,
            ),
            What::InstanceEnded { .. } => mark(
                svg,
                r#"<g><rect class="end" x="{x}" y="{y}" width="3" height="20" transform="translate(-1.5,-10)"/>"#,
            ),
            What::Note { text } => {
                let _ = write!(
                    svg,
                    r#"<text class="note" x="{x}" y="{}">{}</text>"#,
                    y - 8.0,
                    escape(text)
                );
                mark(svg, r#"<g><circle class="notec" cx="{x}" cy="{y}" r="3"/>"#);
            }
            What::FaultInjected { .. } | What::FaultHealed { .. } => {}
            _ => mark(svg, r#"<g><circle class="misc" cx="{x}" cy="{y}" r="2"/>"#),
        }
    }
    svg.push_str(&arrows);
}

/// The red line (and ring) at the violation; returns its x.
fn draw_violation(
    svg: &mut String,
    run: &ViewRun,
    lay: &Layout,
    lane_y: &BTreeMap<Lane, f64>,
    height: f64,
) -> Option<f64> {
    let failure = run.failure?;
    let at = match run.failure_event {
        Some(f) => lay.marks.iter().rev().find(|(i, _, _)| *i <= f),
        None => lay.marks.last(),
    };
    let x = at.map_or(16.0, |(_, _, x)| *x);
    // A monitor names the event; a property is checked at the end.
    let ring = at
        .filter(|_| run.failure_event.is_some())
        .map(|(_, lane, _)| lane_y[lane]);
    let _ = write!(
        svg,
        r#"<g id="violation"><line class="viol" x1="{x}" y1="{t}" x2="{x}" y2="{b}"/><text class="vt" x="{tx}" y="{ty}">✖ {}</text>"#,
        escape(&short(failure, 90)),
        t = TOP - 36.0,
        b = height - 20.0,
        tx = x + 6.0,
        ty = TOP - 24.0
    );
    if let Some(y) = ring {
        let _ = write!(svg, r#"<circle class="ring" cx="{x}" cy="{y}" r="9"/>"#);
    }
    svg.push_str("</g>");
    Some(x)
}

fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
