//! Addressing agents: by name, and by the path `/agents/<class>/<name>` a
//! Worker routes to them, as the agents SDK's `routeAgentRequest` does.
//!
//! `<class>` is the namespace's binding name in kebab case (`CHAT_ROOM`
//! and `ChatRoom` both become `chat-room`); `<name>` is the agent's name.

use crate::runtime::{
    DurableObject, Env, ObjectNamespace, Request, Response, Result, RpcTarget, Stub,
};

/// The stub of the agent called `name` (its `on_start` runs before the
/// first call reaches it, as for every object).
pub fn get_agent_by_name<A: DurableObject + RpcTarget>(
    ns: &ObjectNamespace<A>,
    name: &str,
) -> Stub<A> {
    ns.get_by_name(name)
}

/// The agent a request path names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentPath {
    /// The class, in kebab case.
    pub class: String,
    /// The agent's name.
    pub name: String,
}

/// Reads `/agents/<class>/<name>[/…]`; `None` for any other path.
pub fn parse_agent_path(path: &str) -> Option<AgentPath> {
    let path = path.split('?').next().unwrap_or("");
    let mut parts = path.trim_start_matches('/').split('/');
    if parts.next() != Some("agents") {
        return None;
    }
    let class = parts.next().filter(|c| !c.is_empty())?;
    let name = parts.next().filter(|n| !n.is_empty())?;
    Some(AgentPath {
        class: class.to_string(),
        name: name.to_string(),
    })
}

/// A binding name in kebab case: `CHAT_ROOM` and `ChatRoom` → `chat-room`.
pub fn kebab_case(binding: &str) -> String {
    if binding.chars().all(|c| !c.is_lowercase()) {
        return binding.to_lowercase().replace('_', "-");
    }
    let mut out = String::new();
    for (i, c) in binding.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

/// Sends `req` to the agent its path names if that path's class is
/// `binding`'s (bound in `env` to class `A`); `None` if the path names no
/// agent of this class, so a Worker can try its other classes, then answer
/// 404 itself.
pub async fn route_agent_request<A: DurableObject + RpcTarget>(
    env: &Env,
    binding: &str,
    req: Request,
) -> Option<Result<Response>> {
    let path = parse_agent_path(req.path())?;
    if path.class != kebab_case(binding) {
        return None;
    }
    let ns = match env.namespace::<A>(binding) {
        Ok(ns) => ns,
        Err(e) => return Some(Err(e)),
    };
    Some(get_agent_by_name(&ns, &path.name).fetch(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_class_and_agent() {
        let p = parse_agent_path("/agents/chat-room/lobby/history?n=5").unwrap();
        assert_eq!((p.class.as_str(), p.name.as_str()), ("chat-room", "lobby"));
        assert_eq!(parse_agent_path("/agents/chat-room"), None);
        assert_eq!(parse_agent_path("/other/chat-room/lobby"), None);
    }

    #[test]
    fn bindings_become_kebab_case() {
        assert_eq!(kebab_case("CHAT_ROOM"), "chat-room");
        assert_eq!(kebab_case("ChatRoom"), "chat-room");
        assert_eq!(kebab_case("reminders"), "reminders");
    }
}
