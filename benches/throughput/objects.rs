//! Alarms and WebSockets at scale: the subscription and chat examples'
//! objects under bench-sized workloads (figures listed in the bench's
//! module documentation).
//!
//! - Alarms: 1 000 subscriptions, each billed monthly by its alarm through
//!   the payment processor, over one simulated year, no faults. The figure
//!   is simulated seconds per wall second of the whole `run_seeds` call.
//! - Chat: members of one room on hibernatable sockets send messages in
//!   bursts separated by quiet spells longer than the hibernation idle
//!   time, so the room hibernates and wakes between bursts. The figure is
//!   messages posted (stored and broadcast to every member) per wall
//!   second.

use std::time::{Duration, Instant};

use dosim::{ClientEvent, Faults, Request, Runner, Seed};

use super::figures::{medians, per_s, REPEATS};

use dosim_workloads::chat::{self, RoomRpc};
use dosim_workloads::subscription::{self, PaymentsRpc, SubscriptionRpc};

const SUBSCRIPTIONS: u64 = 1_000;
const CHAT_MEMBERS: u64 = 8;
const CHAT_BURSTS: u64 = 10;
const CHAT_BURST_MESSAGES: u64 = 25;

/// `(name, value)` of each figure.
pub fn figures() -> Vec<(&'static str, f64)> {
    let mut alarm_rates = Vec::new();
    let mut chat_rates = Vec::new();
    for _ in 0..REPEATS {
        alarm_rates.push(alarms());
        chat_rates.push(chat());
    }
    medians(vec![
        ("alarm_sim_seconds_per_wall_s", alarm_rates),
        ("chat_messages_per_s", chat_rates),
    ])
}

pub fn alarms() -> f64 {
    let runner = Runner::new("bench_alarms")
        .determinism_sample(0)
        .faults(Faults::None)
        .deadline(Duration::from_millis(subscription::YEAR_MS + 86_400_000))
        .steps_max(u64::MAX)
        .quiet();
    let started = Instant::now();
    let subscriptions = std::env::var("THROUGHPUT_PROFILE_N")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(SUBSCRIPTIONS);
    let report = runner.run_seeds(&[Seed::nth(3)], move |sim| async move {
        sim.register::<subscription::Payments>("PAYMENTS")?;
        let subs = sim.register::<subscription::Subscription>("SUBSCRIPTION")?;
        for i in 0..subscriptions {
            let name = format!("c{i}");
            subs.get_by_name(&name)
                .subscribe(name.clone(), 1_000 + i)
                .await?;
        }
        let now = dosim::elapsed().as_millis() as u64;
        dosim::sleep(Duration::from_millis(subscription::YEAR_MS - now)).await;
        let ledger = sim
            .client(0)
            .namespace::<subscription::Payments>("PAYMENTS")?
            .get_by_name("processor")
            .ledger()
            .await?;
        // 12 monthly bills (days 0, 30, …, 330) for every subscription.
        let expected = subscriptions * 12;
        if (ledger.len() as u64) < expected {
            dosim::bail!(
                "{} charges in the ledger, {expected} expected",
                ledger.len()
            );
        }
        Ok(())
    });
    let wall = started.elapsed();
    report.assert_passed();
    // The figure is for SUBSCRIPTIONS; a smaller profiling run scales.
    (subscription::YEAR_MS as f64 / 1000.0) / wall.as_secs_f64() * subscriptions as f64
        / SUBSCRIPTIONS as f64
}

pub fn chat() -> f64 {
    let runner = Runner::new("bench_chat")
        .determinism_sample(0)
        .faults(Faults::None)
        .deadline(Duration::from_secs(3_600))
        .steps_max(u64::MAX)
        .quiet();
    let started = Instant::now();
    let report = runner.run_seeds(&[Seed::nth(5)], |sim| async move {
        let rooms = sim.register::<chat::Room>("ROOM")?;
        let mut members = Vec::new();
        for i in 0..CHAT_MEMBERS {
            let join = Request::get(&format!("https://room/join?name=b{i}"));
            members.push(rooms.get_by_name("bench").connect(join).await?);
        }
        for burst in 0..CHAT_BURSTS {
            for n in 0..CHAT_BURST_MESSAGES {
                for (i, m) in members.iter().enumerate() {
                    m.send(format!("b{i}-{burst}-{n}"))?;
                }
            }
            // Every member sees every message of the burst.
            for m in &members {
                for _ in 0..CHAT_BURST_MESSAGES * CHAT_MEMBERS {
                    match m.recv().await {
                        Some(ClientEvent::Message(_)) => {}
                        other => dosim::bail!("a member got {other:?} mid-burst"),
                    }
                }
            }
            // Quiet: the room hibernates before the next burst.
            dosim::sleep(dosim::HIBERNATION_IDLE * 2).await;
        }
        let stored = rooms.get_by_name("bench").history().await?.len() as u64;
        if stored != CHAT_BURSTS * CHAT_BURST_MESSAGES * CHAT_MEMBERS {
            dosim::bail!("{stored} messages stored");
        }
        Ok(())
    });
    let wall = started.elapsed();
    report.assert_passed();
    per_s(CHAT_BURSTS * CHAT_BURST_MESSAGES * CHAT_MEMBERS, wall)
}
