//! TypeScript to JavaScript, in process: the types are stripped and nothing
//! else changes (no down-levelling: QuickJS runs modern JavaScript), so a
//! line of the output is the line the user wrote, give or take the types.

use std::path::Path;

use oxc::allocator::Allocator;
use oxc::codegen::Codegen;
use oxc::diagnostics::NamedSource;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{TransformOptions, Transformer};

use crate::runtime::Error;

/// The JavaScript of the TypeScript module `source`; `name` names it in
/// errors. A syntax error is a `SyntaxError` naming the line.
pub(crate) fn strip_types(name: &str, source: &str) -> Result<String, Error> {
    let allocator = Allocator::default();
    let source_type = SourceType::ts().with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return Err(syntax_error(name, source, parsed.diagnostics));
    }
    let mut program = parsed.program;
    let scoping = SemanticBuilder::new()
        .build(&program)
        .semantic
        .into_scoping();
    let options = TransformOptions::default();
    let done = Transformer::new(&allocator, Path::new(name), &options)
        .build_with_scoping(scoping, &mut program);
    if !done.diagnostics.is_empty() {
        return Err(syntax_error(name, source, done.diagnostics));
    }
    Ok(Codegen::new().build(&program).code)
}

/// One `SyntaxError` listing every diagnostic, each with its source line.
fn syntax_error(
    name: &str,
    source: &str,
    diagnostics: impl IntoIterator<Item = oxc::diagnostics::OxcDiagnostic>,
) -> Error {
    let rendered: Vec<String> = diagnostics
        .into_iter()
        .map(|d| d.render_with_source_code(NamedSource::new(name, source.to_string())))
        .collect();
    Error::named(
        "SyntaxError",
        format!("{name} does not parse: {}", rendered.join("\n")),
    )
}
