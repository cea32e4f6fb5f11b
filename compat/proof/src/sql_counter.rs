//! A counter in the object's SQLite database, as the workers-rs example
//! writes it: one row, replaced on every increment.

use serde::Deserialize;
use worker::*;

#[derive(Deserialize)]
struct Row {
    value: i64,
}

/// Counts `/increment` requests in SQL; `/value` reads the count.
#[durable_object]
pub struct SqlCounter {
    sql: SqlStorage,
}

impl SqlCounter {
    fn count(&self) -> Result<i64> {
        let rows: Vec<Row> = self
            .sql
            .exec("SELECT value FROM counter LIMIT 1;", None)?
            .to_array()?;
        Ok(rows.first().map_or(0, |r| r.value))
    }
}

impl DurableObject for SqlCounter {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        // A failure here fails every request, each with the error.
        let _ = sql.exec("CREATE TABLE IF NOT EXISTS counter(value INTEGER);", None);
        SqlCounter { sql }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match super::operation(&req).as_str() {
            "increment" => {
                let next = self.count()? + 1;
                self.sql.exec("DELETE FROM counter;", None)?;
                self.sql
                    .exec("INSERT INTO counter(value) VALUES (?);", vec![next.into()])?;
                Response::ok(next.to_string())
            }
            "value" => Response::ok(self.count()?.to_string()),
            _ => Response::error("Not Found", 404),
        }
    }
}
