//! The Worker in front of the objects: `/<class>/<name>/<operation>` goes
//! to the object `<name>` of the binding for `<class>`; `/config/<key>`
//! reads a setting from the `CONFIG` KV namespace.

use worker::*;

/// Routes a request to its object, unchanged.
#[event(fetch)]
pub async fn main(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let mut segments = path.trim_start_matches('/').split('/');
    let binding = match segments.next() {
        Some("counter") => "COUNTER",
        Some("sql") => "SQL_COUNTER",
        Some("config") => {
            let key = segments.next().unwrap_or_default();
            return match env.kv("CONFIG")?.get(key).text().await? {
                Some(value) => Response::ok(value),
                None => Response::error("Not Found", 404),
            };
        }
        _ => return Response::error("Not Found", 404),
    };
    let Some(name) = segments.next() else {
        return Response::error("Not Found", 404);
    };
    let stub = env
        .durable_object(binding)?
        .id_from_name(name)?
        .get_stub()?;
    stub.fetch_with_request(req).await
}
