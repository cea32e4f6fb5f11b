//! The `checkout` example: an order object that pays through an external
//! `payments` service, and the workload whose properties every order (its
//! double-charging twin included) must keep.
//!
//! The order charges with an idempotency key that stays the same for every
//! attempt (`order:<name>`), and retries on any error or non-200 answer
//! until one charge is confirmed; the service keeps its charges by key and
//! answers a repeated key with the first charge. That is what makes the
//! retry safe when the service did the work but its answer was lost. The
//! properties, checked against the service's own ledger:
//! - no order is charged twice, nor for more than its amount;
//! - every order the client saw acknowledged was charged, with the charge
//!   the client was told about.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use dosim::{DurableObject, Env, Request, Response, Result, RpcTarget, Runner, Sim, State, Stub};

/// Orders each client places.
pub const ORDERS_PER_CLIENT: u64 = 2;

/// Charge attempts one `place` call makes before it gives up (the client
/// then places the order again).
pub const PAY_ATTEMPTS_MAX: u32 = 6;

/// An order, paid once.
pub struct Order {
    state: State,
    env: Env,
}

impl DurableObject for Order {
    fn new(state: State, env: Env) -> Self {
        Order { state, env }
    }
}

dosim::rpc! {
    /// Calls to an order through its stub.
    pub trait OrderRpc for Order {
        /// Pays `amount` for `order`; returns the charge's id. Placing a
        /// paid order again returns its charge.
        pub async fn place(&self, order: String, amount: u64) -> Result<String> {
            place(&self.state, &self.env, &order, amount, Key::Stable).await
        }
    }
}

/// Which idempotency key each charge attempt carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// The same key for every attempt of one order: the correct way.
    Stable,
    /// A fresh key per attempt: the bug of the twin.
    PerAttempt,
}

/// Pays for `order` through the `payments` service, retrying until a charge
/// is confirmed, and records the charge in the order's storage.
pub async fn place(state: &State, env: &Env, order: &str, amount: u64, key: Key) -> Result<String> {
    let storage = state.storage();
    if let Some(charge) = storage.get::<String>("charge").await? {
        return Ok(charge);
    }
    let payments = env.service("payments")?;
    let mut last = String::new();
    for attempt in 1..=PAY_ATTEMPTS_MAX {
        let idempotency_key = match key {
            Key::Stable => format!("order:{order}"),
            Key::PerAttempt => format!("order:{order}:attempt:{attempt}"),
        };
        let req = Request::post("https://payments/charge", amount.to_string())
            .with_header("Idempotency-Key", &idempotency_key)
            .with_header("Order", order);
        match payments.fetch(req).await {
            Ok(resp) if resp.status() == 200 => {
                let charge = resp.text()?.to_string();
                storage.put("charge", &charge).await?;
                return Ok(charge);
            }
            Ok(resp) => last = format!("status {}", resp.status()),
            Err(e) => last = e.to_string(),
        }
        dosim::sleep(Duration::from_millis(50 << attempt)).await;
    }
    dosim::bail!("order {order}: no charge after {PAY_ATTEMPTS_MAX} attempts; the last: {last}")
}

/// One charge in the payments service's ledger.
#[derive(Clone, Debug)]
pub struct Charge {
    /// The charge's id (`ch_1`, …).
    pub id: String,
    /// The order it pays for.
    pub order: String,
    /// The amount charged.
    pub amount: u64,
}

/// The payments service's state: charges by idempotency key.
#[derive(Default, Debug)]
pub struct Ledger {
    /// Every charge made, by the key it was made with.
    pub charges: BTreeMap<String, Charge>,
}

/// Binds the `payments` service to `sim`; returns its ledger, which the
/// test reads afterwards.
pub fn bind_payments(sim: &Sim) -> Result<Rc<RefCell<Ledger>>> {
    let ledger = Rc::new(RefCell::new(Ledger::default()));
    let kept = ledger.clone();
    sim.service("payments", move |req: Request| {
        let ledger = kept.clone();
        async move {
            let (Some(key), Some(order)) = (req.header("idempotency-key"), req.header("order"))
            else {
                return Ok(Response::error(
                    400,
                    "an Idempotency-Key and an Order are required",
                ));
            };
            let amount: u64 = match req.text()?.parse() {
                Ok(amount) => amount,
                Err(_) => return Ok(Response::error(400, "the body must be an amount")),
            };
            // The card network takes a while.
            dosim::sleep(Duration::from_millis(20)).await;
            let mut ledger = ledger.borrow_mut();
            let next = ledger.charges.len() + 1;
            let charge = ledger
                .charges
                .entry(key.to_string())
                .or_insert_with(|| Charge {
                    id: format!("ch_{next}"),
                    order: order.to_string(),
                    amount,
                });
            Ok(Response::ok(charge.id.clone()))
        }
    })?;
    Ok(ledger)
}

/// The runner for the checkout examples.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).seeds(500)
}

/// The workload and its properties, for any class that orders like
/// [`Order`] (its twin included).
pub async fn workload<O>(sim: Sim) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: OrderRpc,
{
    let ledger = bind_payments(&sim)?;
    sim.register::<O>("ORDERS")?;
    let mut tasks = Vec::new();
    for (c, client) in sim.clients().into_iter().enumerate() {
        let orders = client.namespace::<O>("ORDERS")?;
        let sim = sim.clone();
        tasks.push(client.spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..ORDERS_PER_CLIENT {
                let order = format!("order-{c}-{i}");
                let amount = 100 * (i + 1) + c as u64;
                // A new stub each try: an error breaks a stub.
                let placed = sim
                    .eventually(|| orders.get_by_name(&order).place(order.clone(), amount))
                    .await;
                if let Ok(charge) = placed {
                    acknowledged.push((order, amount, charge));
                }
            }
            acknowledged
        }));
    }
    let acknowledged: Vec<(String, u64, String)> = dosim::join_all(tasks)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let verdict = audit(&sim, &acknowledged, &ledger.borrow());
    verdict
}

/// The properties, against the service's ledger.
fn audit(sim: &Sim, acknowledged: &[(String, u64, String)], ledger: &Ledger) -> Result<()> {
    let mut by_order: BTreeMap<&str, Vec<&Charge>> = BTreeMap::new();
    for charge in ledger.charges.values() {
        by_order
            .entry(charge.order.as_str())
            .or_default()
            .push(charge);
    }
    for (order, charges) in &by_order {
        if charges.len() > 1 {
            sim.focus(*order);
            let ids: Vec<&str> = charges.iter().map(|c| c.id.as_str()).collect();
            dosim::bail!(
                "order {order} was charged {} times ({}): each order is paid at most once",
                charges.len(),
                ids.join(", ")
            );
        }
    }
    for (order, amount, charge) in acknowledged {
        let charged = by_order.get(order.as_str()).map_or(&[][..], |c| &c[..]);
        let total: u64 = charged.iter().map(|c| c.amount).sum();
        if total > *amount {
            dosim::bail!("order {order} costs {amount} but was charged {total}");
        }
        if !charged.iter().any(|c| &c.id == charge) {
            dosim::bail!(
                "order {order} was acknowledged with charge {charge}, which payments never made: \
                 every acknowledged order was charged"
            );
        }
    }
    Ok(())
}
