//! What an object's own SQL may do: the rules of the real runtime's SQLite
//! authorizer.
//!
//! One authorizer stays installed on the connection; it judges only while
//! the object's SQL is being prepared ([`Authorizer::user_sql`]), so dosim's
//! own statements (the KV table, savepoints, `delete_all`) are never
//! refused. The rules, each matching workerd's observable behaviour
//! (`docs/semantics.md`, "SQL"):
//! - transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`,
//!   `RELEASE`) is refused, and the error is replaced by workerd's text
//!   pointing to `transaction()`;
//! - every table, index, trigger or view whose name starts with `_cf_`
//!   (in any case) is off limits: reading a column gives SQLite's
//!   "access to … is prohibited", anything else "not authorized";
//! - `ATTACH`, `DETACH` and pragmas outside a read-mostly allow-list are
//!   refused; so are the functions that reveal or extend the engine.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

/// The text workerd gives for SQL transaction control.
pub const TRANSACTION_REFUSED: &str = "To execute a transaction, please use the \
     state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL \
     BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will \
     automatically roll back on exceptions, and because it interacts correctly with Durable \
     Objects' automatic atomic write coalescing.";

/// Pragmas an object may run (reads of the schema and harmless switches).
const PRAGMAS_ALLOWED: &[&str] = &[
    "data_version",
    "defer_foreign_keys",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "legacy_alter_table",
    "optimize",
    "quick_check",
    "recursive_triggers",
    "table_info",
    "table_list",
    "table_xinfo",
];

/// Functions an object may not call: they reveal the engine's build or
/// load code into it.
const FUNCTIONS_REFUSED: &[&str] = &[
    "load_extension",
    "sqlite_compileoption_get",
    "sqlite_compileoption_used",
    "sqlite_source_id",
    "sqlite_version",
];

const REFUSED_NONE: u8 = 0;
const REFUSED_TRANSACTION: u8 = 1;

/// The authorizer's switch, its memory of why it last refused, and what
/// the statements prepared since [`Authorizer::take_table_read`] touched.
#[derive(Debug, Default)]
pub(crate) struct Authorizer {
    user_sql: AtomicBool,
    refused: AtomicU8,
    // SQLite asks the authorizer only while it prepares a statement, so
    // these say what the last prepared statement does: whether anything
    // was judged at all, and whether it reads or writes a table.
    judged: AtomicBool,
    table_touched: AtomicBool,
}

impl Authorizer {
    /// Installs the authorizer on `conn`; it allows everything until
    /// [`Authorizer::user_sql`] switches it on.
    pub(crate) fn install(conn: &mut rusqlite::Connection) -> rusqlite::Result<Arc<Authorizer>> {
        let auth = Arc::new(Authorizer::default());
        let judge = auth.clone();
        conn.authorizer(Some(move |ctx: AuthContext<'_>| judge.judge(&ctx)))?;
        Ok(auth)
    }

    /// Judges the object's SQL while `f` runs (statements prepared inside).
    pub(crate) fn user_sql<R>(&self, f: impl FnOnce() -> R) -> R {
        self.user_sql.store(true, Ordering::Relaxed);
        self.refused.store(REFUSED_NONE, Ordering::Relaxed);
        self.take_table_read();
        let result = f();
        self.user_sql.store(false, Ordering::Relaxed);
        result
    }

    /// Whether the last refusal was of transaction control.
    pub(crate) fn refused_transaction(&self) -> bool {
        self.refused.load(Ordering::Relaxed) == REFUSED_TRANSACTION
    }

    /// Whether the object's statements prepared since the last call read
    /// or write a table; `None` if none was prepared (a cached statement
    /// was reused). Resets the memory.
    pub(crate) fn take_table_read(&self) -> Option<bool> {
        let judged = self.judged.swap(false, Ordering::Relaxed);
        let touched = self.table_touched.swap(false, Ordering::Relaxed);
        judged.then_some(touched)
    }

    fn judge(&self, ctx: &AuthContext<'_>) -> Authorization {
        if !self.user_sql.load(Ordering::Relaxed) {
            return Authorization::Allow;
        }
        self.judged.store(true, Ordering::Relaxed);
        if matches!(
            ctx.action,
            AuthAction::Read { .. }
                | AuthAction::Insert { .. }
                | AuthAction::Update { .. }
                | AuthAction::Delete { .. }
        ) {
            self.table_touched.store(true, Ordering::Relaxed);
        }
        let verdict = verdict(&ctx.action);
        if matches!(
            ctx.action,
            AuthAction::Transaction { .. } | AuthAction::Savepoint { .. }
        ) {
            self.refused.store(REFUSED_TRANSACTION, Ordering::Relaxed);
        }
        verdict
    }
}

fn reserved(name: &str) -> bool {
    name.len() >= 4 && name[..4].eq_ignore_ascii_case("_cf_")
}

fn deny_if_reserved(names: &[&str]) -> Authorization {
    if names.iter().any(|n| reserved(n)) {
        Authorization::Deny
    } else {
        Authorization::Allow
    }
}

fn verdict(action: &AuthAction<'_>) -> Authorization {
    use AuthAction as A;
    match *action {
        A::Transaction { .. } | A::Savepoint { .. } | A::Attach { .. } | A::Detach { .. } => {
            Authorization::Deny
        }
        A::Pragma { pragma_name, .. } => {
            let name = pragma_name.to_ascii_lowercase();
            if PRAGMAS_ALLOWED.contains(&name.as_str()) {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        A::Function { function_name } => {
            let name = function_name.to_ascii_lowercase();
            if FUNCTIONS_REFUSED.contains(&name.as_str()) {
                Authorization::Deny
            } else {
                Authorization::Allow
            }
        }
        A::Read { table_name, .. }
        | A::Insert { table_name }
        | A::Delete { table_name }
        | A::Update { table_name, .. }
        | A::CreateTable { table_name }
        | A::CreateTempTable { table_name }
        | A::DropTable { table_name }
        | A::DropTempTable { table_name }
        | A::Analyze { table_name }
        | A::AlterTable { table_name, .. } => deny_if_reserved(&[table_name]),
        A::CreateIndex {
            index_name,
            table_name,
        }
        | A::CreateTempIndex {
            index_name,
            table_name,
        }
        | A::DropIndex {
            index_name,
            table_name,
        }
        | A::DropTempIndex {
            index_name,
            table_name,
        } => deny_if_reserved(&[index_name, table_name]),
        A::CreateTrigger {
            trigger_name,
            table_name,
        }
        | A::CreateTempTrigger {
            trigger_name,
            table_name,
        }
        | A::DropTrigger {
            trigger_name,
            table_name,
        }
        | A::DropTempTrigger {
            trigger_name,
            table_name,
        } => deny_if_reserved(&[trigger_name, table_name]),
        A::CreateView { view_name }
        | A::CreateTempView { view_name }
        | A::DropView { view_name }
        | A::DropTempView { view_name } => deny_if_reserved(&[view_name]),
        A::CreateVtable { table_name, .. } | A::DropVtable { table_name, .. } => {
            deny_if_reserved(&[table_name])
        }
        A::Reindex { index_name } => deny_if_reserved(&[index_name]),
        A::Select | A::Recursive => Authorization::Allow,
        _ => Authorization::Deny,
    }
}
