//! The `subscription` example: monthly billing driven by alarms, and the
//! workload whose properties every subscription (its double-charging twin
//! included) must keep.

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::{AlarmInfo, DurableObject, Env, Result, RpcTarget, Runner, Sim, State, Stub};

/// A simulated month.
pub const MONTH_MS: u64 = 30 * 24 * 3600 * 1000;
/// The simulated year the workload runs for.
pub const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;
/// What a month costs, in cents.
pub const PRICE: i64 = 1200;
const CUSTOMERS: u64 = 6;

/// The payment processor: one object whose SQL table is the ledger.
pub struct Payments {
    state: State,
}

impl DurableObject for Payments {
    fn new(state: State, _env: Env) -> Self {
        state
            .storage()
            .sql()
            .exec(
                "CREATE TABLE IF NOT EXISTS charges (id INTEGER PRIMARY KEY, idem TEXT UNIQUE, \
                 customer TEXT NOT NULL, period INTEGER NOT NULL, amount INTEGER NOT NULL, \
                 at_ms INTEGER NOT NULL)",
                (),
            )
            .expect("the ledger's schema");
        Payments { state }
    }
}

/// Calls to the payment processor: the client trait `PaymentsRpc`.
#[dosim::rpc_methods(pub PaymentsRpc)]
impl Payments {
    /// Charges `amount` for `customer`'s `period`. With an idempotency
    /// key, a second charge with the same key is the first one.
    pub async fn charge(
        &self,
        idem: Option<String>,
        customer: String,
        period: i64,
        amount: i64,
    ) -> Result<()> {
        let at = dosim::elapsed().as_millis() as i64;
        self.state.storage().sql().exec(
            "INSERT OR IGNORE INTO charges (idem, customer, period, amount, at_ms) \
             VALUES (?, ?, ?, ?, ?)",
            (idem, customer, period, amount, at),
        )?;
        Ok(())
    }

    /// Every charge: (customer, period, amount, when in ms).
    pub async fn ledger(&self) -> Result<Vec<(String, i64, i64, i64)>> {
        let rows = self.state.storage().sql().exec(
            "SELECT customer, period, amount, at_ms FROM charges ORDER BY id",
            (),
        )?;
        rows.to_array()
    }
}

/// One customer's subscription.
pub struct Subscription {
    state: State,
    env: Env,
}

impl DurableObject for Subscription {
    fn new(state: State, env: Env) -> Self {
        create_schema(&state);
        Subscription { state, env }
    }

    async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        bill(&self.state, &self.env, true).await
    }
}

/// The subscription's row.
#[derive(serde::Deserialize, Debug)]
pub struct Row {
    /// Who pays.
    pub customer: String,
    /// `trial`, `active` or `canceled`.
    pub status: String,
    /// The period billed next (0 is the first month).
    pub period: i64,
    /// When the first bill was due (ms since the run began).
    pub first_bill_ms: i64,
    /// When it is billed (ms since the run began).
    pub next_bill_ms: i64,
}

/// The subscription table (one row), created by the constructor.
pub fn create_schema(state: &State) {
    state
        .storage()
        .sql()
        .exec(
            "CREATE TABLE IF NOT EXISTS sub (one INTEGER PRIMARY KEY CHECK (one = 1), \
             customer TEXT NOT NULL, status TEXT NOT NULL, period INTEGER NOT NULL, \
             first_bill_ms INTEGER NOT NULL, next_bill_ms INTEGER NOT NULL)",
            (),
        )
        .expect("the subscription's schema");
}

fn row(state: &State) -> Result<Option<Row>> {
    let rows: Vec<Row> = state
        .storage()
        .sql()
        .exec(
            "SELECT customer, status, period, first_bill_ms, next_bill_ms FROM sub",
            (),
        )?
        .to_array()?;
    Ok(rows.into_iter().next())
}

fn at_ms(ms: i64) -> std::time::SystemTime {
    dosim::now() - dosim::elapsed() + Duration::from_millis(ms as u64)
}

/// The alarm handler: charges the period due, then arms the next month.
/// `keyed` sends an idempotency key with the charge (the correct object);
/// without it a retried alarm charges again (the buggy twin).
pub async fn bill(state: &State, env: &Env, keyed: bool) -> Result<()> {
    let Some(sub) = row(state)? else {
        return Ok(());
    };
    if sub.status == "canceled" {
        return Ok(());
    }
    let payments = env.namespace::<Payments>("PAYMENTS")?;
    let idem = keyed.then(|| format!("{}:{}", sub.customer, sub.period));
    payments
        .get_by_name("processor")
        .charge(idem, sub.customer.clone(), sub.period, PRICE)
        .await?;
    let next = sub.next_bill_ms + MONTH_MS as i64;
    state.storage().sql().exec(
        "UPDATE sub SET status = 'active', period = period + 1, next_bill_ms = ?",
        (next,),
    )?;
    state.storage().set_alarm(at_ms(next)).await
}

/// `subscribe` for any subscription class: starts the trial once.
pub async fn subscribe(state: &State, customer: String, trial_ms: u64) -> Result<u64> {
    if let Some(sub) = row(state)? {
        // A retried subscribe (its first reply lost) must report the first
        // bill, not the next one: the trial may be over by now.
        return Ok(sub.first_bill_ms as u64);
    }
    let first_bill = dosim::elapsed().as_millis() as i64 + trial_ms as i64;
    state.storage().sql().exec(
        "INSERT INTO sub (one, customer, status, period, first_bill_ms, next_bill_ms) \
         VALUES (1, ?, 'trial', 0, ?, ?)",
        (customer, first_bill, first_bill),
    )?;
    state.storage().set_alarm(at_ms(first_bill)).await?;
    Ok(first_bill as u64)
}

/// `cancel` for any subscription class.
pub async fn cancel(state: &State) -> Result<()> {
    state
        .storage()
        .sql()
        .exec("UPDATE sub SET status = 'canceled'", ())?;
    state.storage().delete_alarm().await
}

/// Calls to a subscription: the client trait `SubscriptionRpc`.
#[dosim::rpc_methods(pub SubscriptionRpc)]
impl Subscription {
    /// Starts the trial (once); returns when the first bill is due.
    pub async fn subscribe(&self, customer: String, trial_ms: u64) -> Result<u64> {
        subscribe(&self.state, customer, trial_ms).await
    }

    /// Cancels: no bill after this.
    pub async fn cancel(&self) -> Result<()> {
        cancel(&self.state).await
    }
}

/// What a customer did: when bills were due from, and the cancellation.
struct Customer {
    name: String,
    first_bill: u64,
    /// (sent, acknowledged) times of the cancellation.
    canceled: Option<(u64, u64)>,
}

/// The workload: customers subscribe, some cancel; a year later the ledger
/// must show each bill due charged exactly once.
pub async fn workload<S>(sim: Sim) -> Result<()>
where
    S: DurableObject + RpcTarget,
    Stub<S>: SubscriptionRpc,
{
    sim.register::<Payments>("PAYMENTS")?;
    sim.register::<S>("SUBSCRIPTION")?;
    let clients = sim.clients();
    let mut tasks = Vec::new();
    for i in 0..CUSTOMERS {
        let client = clients[i as usize % clients.len()].clone();
        let subs = client.namespace::<S>("SUBSCRIPTION")?;
        let trial_ms = 500 + sim.random_below(4000);
        let cancel_at = (i % 3 == 2).then(|| MONTH_MS * (1 + sim.random_below(10)) + 3_600_000);
        let name = format!("customer-{i}");
        let sim = sim.clone();
        // Calls go through a new stub each try: an error breaks a stub.
        tasks.push(client.spawn(async move {
            let first_bill = sim
                .eventually(|| subs.get_by_name(&name).subscribe(name.clone(), trial_ms))
                .await?;
            let mut canceled = None;
            if let Some(at) = cancel_at {
                dosim::sleep(Duration::from_millis(
                    at.saturating_sub(dosim::elapsed().as_millis() as u64),
                ))
                .await;
                let sent = dosim::elapsed().as_millis() as u64;
                sim.eventually(|| subs.get_by_name(&name).cancel()).await?;
                canceled = Some((sent, dosim::elapsed().as_millis() as u64));
            }
            Ok::<_, dosim::Error>(Customer {
                name,
                first_bill,
                canceled,
            })
        }));
    }
    let customers = dosim::join_all(tasks)
        .await?
        .into_iter()
        .collect::<Result<Vec<Customer>>>()?;
    let now = dosim::elapsed().as_millis() as u64;
    dosim::sleep(Duration::from_millis(YEAR_MS.saturating_sub(now))).await;
    let payments = sim.client(0).namespace::<Payments>("PAYMENTS")?;
    let ledger = sim
        .eventually(|| payments.get_by_name("processor").ledger())
        .await?;
    audit(&sim, &customers, &ledger)
}

fn audit(sim: &Sim, customers: &[Customer], ledger: &[(String, i64, i64, i64)]) -> Result<()> {
    let mut charged: BTreeMap<(&str, i64), u32> = BTreeMap::new();
    for (customer, period, _, _) in ledger {
        *charged.entry((customer.as_str(), *period)).or_default() += 1;
    }
    if let Some(((customer, period), n)) = charged.iter().find(|(_, n)| **n > 1) {
        sim.focus(*customer);
        dosim::bail!("{customer} was charged {n} times for period {period}");
    }
    // Retries after the last fault settle within minutes; bills due in the
    // last hour of the year may still be in flight.
    let horizon = YEAR_MS - 3_600_000;
    for c in customers {
        for period in 0.. {
            let due = c.first_bill + period as u64 * MONTH_MS;
            if due > horizon {
                break;
            }
            let was_charged = charged.contains_key(&(c.name.as_str(), period));
            match c.canceled {
                Some((_, acked)) if due > acked && was_charged => dosim::bail!(
                    "{} was charged for period {period} (due at {due} ms) after canceling at {acked} ms",
                    c.name
                ),
                Some((sent, _)) if due >= sent => {}
                _ if !was_charged => dosim::bail!(
                    "{}'s bill for period {period}, due at {due} ms, was never charged",
                    c.name
                ),
                _ => {}
            }
        }
    }
    Ok(())
}

/// How the examples and tests run it: a year of simulated time per seed.
pub fn runner(name: &str) -> Runner {
    Runner::new(name)
        .seeds(200)
        .deadline(Duration::from_millis(YEAR_MS + 30 * 24 * 3600 * 1000))
}
