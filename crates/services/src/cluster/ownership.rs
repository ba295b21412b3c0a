//! Leases this node holds: taken with [`Ownership::acquire`], renewed in the background every
//! `renew_every`, and given up on shutdown ([`Ownership::release_all`]). A renewal that fails
//! because the epoch moved, or that cannot complete before the lease expires, steps the owner
//! down: its [`OwnedLease`] turns [`LeaseState::Lost`] so it stops writing, and the store's fence
//! ([`OwnedLease::fence`]) refuses whatever write it still attempts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sentral_domain::{Clock, SystemClock};
use sentral_store::leases::{self, Epoch, LeaseChange};
use sentral_store::{Connection, Store, StoreError};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{NodeId, Resource};
use crate::ServiceError;

/// How long a lease lasts and how often its holder renews it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseConfig {
    pub ttl: Duration,
    pub renew_every: Duration,
}

impl LeaseConfig {
    /// Renewing at a third of the ttl leaves two more tries before the lease expires.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            renew_every: ttl / 3,
        }
    }
}

impl Default for LeaseConfig {
    /// 5 s: a dead owner's engines are taken over well within the 10 s the cluster promises.
    fn default() -> Self {
        Self::with_ttl(Duration::from_secs(5))
    }
}

/// Where a lease handed out by [`Ownership::acquire`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseState {
    Held(Epoch),
    /// Taken over, or not renewed in time: stop writing.
    Lost(Epoch),
    /// Given up by this node (shutdown, or the owner was done).
    Released(Epoch),
}

/// Counters for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipSnapshot {
    /// Leases held now.
    pub owned: u64,
    /// Leases taken since start (new, after a release, or taken over).
    pub acquired: u64,
    /// Of those, taken over from a node that let its lease expire.
    pub takeovers: u64,
    /// Leases this node stepped down from.
    pub lost: u64,
    pub released: u64,
}

/// This node's leases.
#[derive(Clone)]
pub struct Ownership {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    node: NodeId,
    // Lease times are the nodes' wall clock (never the sandbox clock, which jumps); NTP keeps
    // nodes far closer than the ttl, and safety rests on the epoch, not on clocks.
    clock: Arc<dyn Clock>,
    config: LeaseConfig,
    held: Mutex<HashMap<Resource, Held>>,
    /// One acquisition at a time, so two callers never renew one lease twice.
    acquiring: tokio::sync::Mutex<()>,
    acquired: AtomicU64,
    takeovers: AtomicU64,
    lost: AtomicU64,
    released: AtomicU64,
}

struct Held {
    epoch: Epoch,
    state: Arc<watch::Sender<LeaseState>>,
    deadline: Arc<Mutex<Instant>>,
    renewer: Option<JoinHandle<()>>,
}

/// A lease this node holds at `epoch`, for its owner.
#[derive(Clone)]
pub struct OwnedLease {
    inner: Arc<Inner>,
    resource: Resource,
    epoch: Epoch,
    state: watch::Receiver<LeaseState>,
    /// This node's own (monotonic) idea of the expiry: past it, the lease is not trusted.
    deadline: Arc<Mutex<Instant>>,
}

impl OwnedLease {
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// How long the lease lasts unless renewed.
    pub fn ttl(&self) -> Duration {
        self.inner.config.ttl
    }

    pub fn state(&self) -> LeaseState {
        *self.state.borrow()
    }

    /// Held, and not past the local deadline (a process resumed after a pause knows at once).
    pub fn is_held(&self) -> bool {
        matches!(self.state(), LeaseState::Held(_))
            && Instant::now() < *self.deadline.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the lease is no longer held, and says how it ended.
    pub async fn lost(&self) -> LeaseState {
        let mut state = self.state.clone();
        match state
            .wait_for(|state| !matches!(state, LeaseState::Held(_)))
            .await
        {
            Ok(state) => *state,
            // The sender went with the node's ownership: nothing holds the lease any more.
            Err(_) => LeaseState::Lost(self.epoch),
        }
    }

    /// The fence for the owner's writes: call it in the write transaction, before writing.
    /// Fails with [`StoreError::LeaseLost`] (and steps down) once the lease is not held.
    pub async fn fence(&self, conn: &mut Connection) -> Result<(), StoreError> {
        let lost = || StoreError::LeaseLost {
            resource: self.resource.as_str().to_owned(),
            epoch: self.epoch.get(),
        };
        if !self.is_held() {
            self.inner
                .step_down(&self.resource, self.epoch, "it was not renewed in time");
            return Err(lost());
        }
        let fenced = leases::assert_epoch(
            conn,
            self.resource.as_str(),
            self.inner.node.as_str(),
            self.epoch,
        )
        .await;
        if let Err(StoreError::LeaseLost { .. }) = &fenced {
            self.inner
                .step_down(&self.resource, self.epoch, "its epoch moved");
        }
        fenced
    }
}

impl Ownership {
    /// Leases on the system clock.
    pub fn new(store: Arc<Store>, node: NodeId, config: LeaseConfig) -> Self {
        Self::with_clock(store, node, config, Arc::new(SystemClock))
    }

    pub fn with_clock(
        store: Arc<Store>,
        node: NodeId,
        config: LeaseConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                node,
                clock,
                config,
                held: Mutex::new(HashMap::new()),
                acquiring: tokio::sync::Mutex::new(()),
                acquired: AtomicU64::new(0),
                takeovers: AtomicU64::new(0),
                lost: AtomicU64::new(0),
                released: AtomicU64::new(0),
            }),
        }
    }

    pub fn node(&self) -> &NodeId {
        &self.inner.node
    }

    /// The lease of `resource` if this node holds it or can take it now; `None` while another
    /// node holds it. Held leases are renewed in the background until lost or released.
    pub async fn acquire(&self, resource: &Resource) -> Result<Option<OwnedLease>, ServiceError> {
        let inner = &self.inner;
        let _one_at_a_time = inner.acquiring.lock().await;
        if let Some(lease) = inner.handle(resource) {
            if lease.is_held() {
                return Ok(Some(lease));
            }
            inner.step_down(resource, lease.epoch, "it was not renewed in time");
        }
        let started = Instant::now();
        let now = inner.clock.now();
        let (node, ttl) = (inner.node.as_str(), inner.config.ttl);
        let mut tx = inner.store.write().await?;
        let mut acquired = leases::try_acquire(&mut tx, resource.as_str(), node, ttl, now).await?;
        if let Some(kept) = acquired.as_ref().filter(|a| a.change == LeaseChange::Kept) {
            // This process does not hold it (it stepped down, or an earlier process with this
            // node id left it): an owner it no longer trusts may still write, so a new epoch.
            leases::release(&mut tx, resource.as_str(), node, kept.lease.epoch, now).await?;
            acquired = leases::try_acquire(&mut tx, resource.as_str(), node, ttl, now).await?;
        }
        tx.commit().await?;
        let Some(acquired) = acquired else {
            return Ok(None);
        };
        let epoch = acquired.lease.epoch;
        inner.acquired.fetch_add(1, Ordering::Relaxed);
        match &acquired.change {
            LeaseChange::TakenOver { from } => {
                inner.takeovers.fetch_add(1, Ordering::Relaxed);
                tracing::info!(resource = %resource, %epoch, from, "took over an expired lease");
            }
            _ => tracing::info!(resource = %resource, %epoch, "acquired lease"),
        }
        let (state, receiver) = watch::channel(LeaseState::Held(epoch));
        let state = Arc::new(state);
        let deadline = Arc::new(Mutex::new(started + ttl));
        let lease = OwnedLease {
            inner: inner.clone(),
            resource: resource.clone(),
            epoch,
            state: receiver,
            deadline: deadline.clone(),
        };
        let renewer = tokio::spawn(renew_until_lost(lease.clone()));
        inner.lock_held().insert(
            resource.clone(),
            Held {
                epoch,
                state,
                deadline,
                renewer: Some(renewer),
            },
        );
        Ok(Some(lease))
    }

    /// Gives up one lease (the owner stopped); returns whether the store still had it held.
    pub async fn release(&self, resource: &Resource) -> Result<bool, ServiceError> {
        let held = self.inner.lock_held().remove(resource);
        match held {
            Some(held) => Ok(self.inner.release_held(resource, held).await?),
            None => Ok(false),
        }
    }

    /// Gives up every lease (graceful shutdown: other nodes take over at once instead of
    /// after the ttl); returns how many were released in the store.
    pub async fn release_all(&self) -> usize {
        let held: Vec<(Resource, Held)> = self.inner.lock_held().drain().collect();
        let mut released = 0;
        for (resource, held) in held {
            match self.inner.release_held(&resource, held).await {
                Ok(true) => released += 1,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(resource = %resource, %error, "releasing lease failed; it expires by itself");
                }
            }
        }
        released
    }

    pub fn config(&self) -> LeaseConfig {
        self.inner.config
    }

    /// The node holding a live lease of `resource` and how long until that lease expires if
    /// not renewed; `None` when no node holds it now.
    pub async fn holder(
        &self,
        resource: &Resource,
    ) -> Result<Option<(String, Duration)>, ServiceError> {
        let mut conn = self.inner.store.read().await?;
        let lease = leases::current(&mut conn, resource.as_str()).await?;
        let now = self.inner.clock.now();
        Ok(lease.filter(|lease| lease.is_live(now)).map(|lease| {
            let left = u64::try_from(lease.expires_at.millis() - now.millis()).unwrap_or(0);
            (lease.holder, Duration::from_millis(left))
        }))
    }

    /// The leases held now and their epochs, by resource.
    pub fn owned(&self) -> Vec<(Resource, Epoch)> {
        let mut owned: Vec<_> = self
            .inner
            .lock_held()
            .iter()
            .map(|(resource, held)| (resource.clone(), held.epoch))
            .collect();
        owned.sort();
        owned
    }

    pub fn snapshot(&self) -> OwnershipSnapshot {
        let inner = &self.inner;
        OwnershipSnapshot {
            owned: inner.lock_held().len() as u64,
            acquired: inner.acquired.load(Ordering::Relaxed),
            takeovers: inner.takeovers.load(Ordering::Relaxed),
            lost: inner.lost.load(Ordering::Relaxed),
            released: inner.released.load(Ordering::Relaxed),
        }
    }
}

impl Inner {
    fn lock_held(&self) -> std::sync::MutexGuard<'_, HashMap<Resource, Held>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn handle(self: &Arc<Self>, resource: &Resource) -> Option<OwnedLease> {
        let held = self.lock_held();
        let entry = held.get(resource)?;
        Some(OwnedLease {
            inner: self.clone(),
            resource: resource.clone(),
            epoch: entry.epoch,
            state: entry.state.subscribe(),
            deadline: entry.deadline.clone(),
        })
    }

    /// Marks the lease lost (its owner is told through the watch) once, and forgets it.
    fn step_down(&self, resource: &Resource, epoch: Epoch, why: &str) {
        let mut held = self.lock_held();
        if held.get(resource).is_none_or(|entry| entry.epoch != epoch) {
            return;
        }
        if let Some(mut entry) = held.remove(resource) {
            entry.state.send_replace(LeaseState::Lost(epoch));
            // The renewer ends by itself when it is the one stepping down (it sees the state).
            drop(entry.renewer.take());
            self.lost.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                node = %self.node,
                reason = why,
                "stepping down: lease for {resource} lost at epoch {epoch}"
            );
        }
    }

    async fn release_held(&self, resource: &Resource, mut held: Held) -> Result<bool, StoreError> {
        if let Some(renewer) = held.renewer.take() {
            renewer.abort();
        }
        // The owner stops writing first, then the row is freed for the next node.
        held.state.send_replace(LeaseState::Released(held.epoch));
        let mut tx = self.store.write().await?;
        let released = leases::release(
            &mut tx,
            resource.as_str(),
            self.node.as_str(),
            held.epoch,
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        self.released.fetch_add(1, Ordering::Relaxed);
        tracing::info!(resource = %resource, epoch = %held.epoch, "released lease");
        Ok(released)
    }
}

/// Renews `lease` every `renew_every` until it is released, lost, or a renewal cannot complete
/// before the lease's local deadline.
async fn renew_until_lost(lease: OwnedLease) {
    let inner = lease.inner.clone();
    let (resource, epoch) = (lease.resource.clone(), lease.epoch);
    let mut state = lease.state.clone();
    loop {
        tokio::select! {
            () = tokio::time::sleep(inner.config.renew_every) => {}
            changed = state.changed() => if changed.is_err() { return; },
        }
        if !matches!(*state.borrow(), LeaseState::Held(_)) {
            return;
        }
        let deadline = *lease
            .deadline
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        if started >= deadline {
            inner.step_down(
                &resource,
                epoch,
                "its renewal could not complete before expiry",
            );
            return;
        }
        let renewal = async {
            let mut tx = inner.store.write().await?;
            let now = inner.clock.now();
            let (node, ttl) = (inner.node.as_str(), inner.config.ttl);
            leases::renew(&mut tx, resource.as_str(), node, epoch, ttl, now).await?;
            tx.commit().await
        };
        match tokio::time::timeout_at(deadline, renewal).await {
            Ok(Ok(())) => {
                *lease
                    .deadline
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = started + inner.config.ttl;
            }
            Ok(Err(StoreError::LeaseLost { .. })) => {
                inner.step_down(&resource, epoch, "its epoch moved or it expired");
                return;
            }
            // The store is unreachable: try again until the deadline.
            Ok(Err(error)) => {
                tracing::warn!(resource = %resource, %epoch, %error, "renewing lease failed");
            }
            Err(_) => {
                inner.step_down(
                    &resource,
                    epoch,
                    "its renewal could not complete before expiry",
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;
