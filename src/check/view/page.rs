//! The page around the timeline: header, the result, legend, style.

use super::{escape, Layout, ViewRun, LABEL_W};

const CSS: &str = "body{font:14px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 8px}.meta{color:#555;margin-bottom:8px}
.violation{background:#fde8e8;border:2px solid #d00;color:#900;padding:10px 14px;font-weight:600;white-space:pre-wrap;margin-bottom:10px}
.passed{background:#e8f6e8;border:2px solid #2a2;color:#060;padding:10px 14px;margin-bottom:10px}
.legend span{margin-right:14px}.tl{display:flex;border:1px solid #ccc}
.scroll{overflow-x:auto;flex:1}.lbl{text-anchor:end;font-size:12px}
.lane{stroke:#ddd}.lane.inst{stroke:#bbb;stroke-dasharray:4 3}.tick{stroke:#eee}.tt{font-size:10px;fill:#888}
.call{fill:#1f77b4}.ok{fill:#2ca02c}.err{fill:#d62728}.arr{stroke-width:1.2;fill:none;opacity:.75}
line.call{stroke:#1f77b4}line.ok{stroke:#2ca02c}line.err{stroke:#d62728;stroke-dasharray:4 2}
.ev{fill:#aec7e8}.rel{fill:#2ca02c}.held{fill:#ff7f0e}.conf{fill:#2ca02c;stroke:#060}
.wr{stroke:#555}.x{fill:#d62728;font-size:13px;text-anchor:middle}.life{fill:#2ca02c}.end{fill:#444}
.note{font-size:10px;fill:#6a3d9a}.notec{fill:#6a3d9a}.misc{fill:#999}
.fault{opacity:.13}.ft{font-size:11px;font-weight:600}
.story{fill:none;stroke:#f0a000;stroke-width:3}
div.story{background:#fff6dd;border:2px solid #f0a000;padding:8px 14px;margin-bottom:10px;font:12px ui-monospace,monospace;white-space:pre}
.viol{stroke:#e00;stroke-width:3}.vt{fill:#d00;font-weight:700;font-size:13px}.ring{fill:none;stroke:#e00;stroke-width:3}";

/// The drawn parts the page puts together.
pub(crate) struct Drawn<'a> {
    /// The lanes' labels (SVG).
    pub(crate) labels: &'a str,
    /// The timeline (SVG).
    pub(crate) svg: &'a str,
    /// The failure's story (HTML), or nothing.
    pub(crate) story: &'a str,
}

/// The page; it opens scrolled so that `open.0` (the story's first event,
/// else the violation) is at fraction `open.1` of the visible width.
pub(crate) fn page(
    run: &ViewRun,
    lay: &Layout,
    drawn: Drawn,
    height: f64,
    open: Option<(f64, f64)>,
) -> String {
    let Drawn { labels, svg, story } = drawn;
    let result = match run.failure {
        Some(f) => format!(r#"<div class="violation">FAILED: {}</div>"#, escape(f)),
        None => r#"<div class="passed">passed</div>"#.to_string(),
    };
    let hidden = if lay.hidden > 0 {
        format!(" The first {} events are not drawn.", lay.hidden)
    } else {
        String::new()
    };
    let scroll_js = open.map_or(String::new(), |(x, f)| {
        format!("<script>window.addEventListener('load',function(){{var s=document.getElementById('scroll');s.scrollLeft=Math.max(0,{x}-s.clientWidth*{f});}});</script>")
    });
    let marker = |id: &str, c: &str| {
        format!(
            r#"<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="{c}"/></marker>"#
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>dosim {test} seed {seed}</title><style>{CSS}</style></head>
<body><h1>dosim: {test} — seed {seed}</h1>
{result}
{story}
<div class="meta">{n} events, {lanes} lanes; time runs left to right (squeezed: ticks give simulated time). Hover a mark for the event.{hidden}</div>
<div class="legend"><span style="color:#1f77b4">● call → delivered</span><span style="color:#2ca02c">● reply ok</span><span style="color:#d62728">● reply error</span><span style="color:#2ca02c">◆ batch confirmed</span><span>| write</span><span style="color:#aec7e8">▬ event running</span><span style="color:#d62728">✕ dropped / panicked</span><span style="color:#7f7f7f">⚡ fault band</span><span style="color:#e00">┃ violation</span><span style="color:#f0a000">◯ story</span></div>
<div class="tl"><svg width="{LABEL_W}" height="{height}">{labels}</svg>
<div class="scroll" id="scroll"><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}"><defs>{m1}{m2}{m3}</defs>{svg}</svg></div></div>
{scroll_js}</body></html>
"#,
        test = escape(run.test),
        seed = run.seed,
        n = run.trace.len(),
        lanes = lay.lanes.len(),
        w = lay.width,
        m1 = marker("ah", "#1f77b4"),
        m2 = marker("ah-ok", "#2ca02c"),
        m3 = marker("ah-err", "#d62728"),
    )
}
