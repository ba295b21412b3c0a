//! In-memory caches that keep the store off the authenticated read path.
//!
//! - [`TokenCache`]: verified access tokens. Revocation on this node evicts at once; other nodes
//!   evict when its invalidation arrives (`crate::invalidation`, over NATS), and at the latest
//!   after `token_recheck_seconds`.
//! - [`OrganizationCache`]: organisation rows (reference data). Every local write that touches
//!   organisations invalidates it after its commit; a change made by another node (or directly
//!   in the database) is served stale for at most `token_recheck_seconds`, the same bound as a
//!   revoked token, because an entry older than that is read from the store again.
//!
//! - [`EnterpriseCache`]: the MBN enterprises of a set of companies (what a machine user's
//!   visibility reaches), as the store ordered them. Every local write of an enterprise row
//!   (a numbering plan's length, the seeds, a reset) invalidates it after its commit and tells
//!   the other nodes (`Invalidation::Enterprises`); a change it misses is served stale for at
//!   most `token_recheck_seconds`, as the organisations are. An entry is keyed by the whole set
//!   of organisation numbers and holds only the rows the store returned for exactly that set,
//!   so a caller is only ever served the enterprises of its own companies.
//!
//! Ages are measured with the platform's injected clock, never the wall clock.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use sentral_domain::directory::Enterprise;
use sentral_domain::platform::Organization;
use sentral_domain::{OrgNumber, Timestamp};

use crate::Principal;

const MAX_CACHED_TOKENS: usize = 100_000;

#[derive(Clone)]
struct Entry {
    principal: Principal,
    /// The store was last consulted at this time (by the injected clock).
    checked_at: Timestamp,
    family: String,
}

#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl TokenCache {
    /// The principal for `token_hash` if it was checked against the store less than
    /// `recheck_millis` ago.
    pub fn fresh(
        &self,
        token_hash: &str,
        now: Timestamp,
        recheck_millis: i64,
    ) -> Option<Principal> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(token_hash)?;
        (now.millis() - entry.checked_at.millis() < recheck_millis).then(|| entry.principal.clone())
    }

    pub fn put(&self, token_hash: String, principal: Principal, family: String, now: Timestamp) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_CACHED_TOKENS {
            entries.retain(|_, entry| entry.principal.expires_at > now);
            if entries.len() >= MAX_CACHED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(
            token_hash,
            Entry {
                principal,
                checked_at: now,
                family,
            },
        );
    }

    pub fn evict_family(&self, family: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, entry| entry.family != family);
    }

    pub fn evict_where(&self, condition: impl Fn(&Principal) -> bool) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, entry| !condition(&entry.principal));
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

const MAX_CACHED_ORGANIZATIONS: usize = 100_000;

/// Is an entry checked at `checked_at` still trusted at `now`? A clock that went backwards
/// (sandbox reset) makes it stale rather than fresh for ever.
fn within(checked_at: Timestamp, now: Timestamp, recheck_millis: i64) -> bool {
    (0..recheck_millis).contains(&(now.millis() - checked_at.millis()))
}

struct OrganizationEntry {
    /// `None`: the store had no such organisation when it was checked.
    organization: Option<Organization>,
    checked_at: Timestamp,
}

#[derive(Default)]
struct OrganizationState {
    /// Bumped by every invalidation, so a read that raced with a write cannot store what it saw.
    generation: u64,
    entries: HashMap<OrgNumber, OrganizationEntry>,
}

/// The answer of [`OrganizationCache::lookup`].
#[derive(Debug, PartialEq, Eq)]
pub enum OrganizationLookup {
    /// Every asked organisation that exists, in the order asked.
    Hit(Vec<Organization>),
    /// Read the store, then hand the rows to [`OrganizationCache::put`] with this generation.
    Miss { generation: u64 },
}

#[derive(Default)]
pub struct OrganizationCache {
    state: RwLock<OrganizationState>,
}

impl OrganizationCache {
    /// The organisations among `numbers` if every one of them was checked against the store
    /// less than `recheck_millis` ago.
    pub fn lookup<'a>(
        &self,
        numbers: impl IntoIterator<Item = &'a OrgNumber>,
        now: Timestamp,
        recheck_millis: i64,
    ) -> OrganizationLookup {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        let mut found = Vec::new();
        for number in numbers {
            match state.entries.get(number) {
                Some(entry) if within(entry.checked_at, now, recheck_millis) => {
                    found.extend(entry.organization.iter().cloned());
                }
                _ => {
                    return OrganizationLookup::Miss {
                        generation: state.generation,
                    };
                }
            }
        }
        OrganizationLookup::Hit(found)
    }

    /// Remembers what the store answered for `asked` (`found` holds those that exist), unless
    /// the cache was invalidated since `generation` was handed out.
    pub fn put(
        &self,
        generation: u64,
        asked: &[OrgNumber],
        found: &[Organization],
        now: Timestamp,
    ) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.generation != generation {
            return;
        }
        if state.entries.len() + asked.len() > MAX_CACHED_ORGANIZATIONS {
            state.entries.clear();
        }
        for number in asked {
            let organization = found.iter().find(|org| &org.org_number == number).cloned();
            state.entries.insert(
                number.clone(),
                OrganizationEntry {
                    organization,
                    checked_at: now,
                },
            );
        }
    }

    /// Forgets everything; call it after committing a write that touches organisations.
    pub fn invalidate(&self) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        state.generation += 1;
        state.entries.clear();
    }
}

const MAX_CACHED_ENTERPRISE_SETS: usize = 10_000;

struct EnterpriseEntry {
    /// What the store answered for the set, in its order (by id).
    enterprises: Arc<[Enterprise]>,
    checked_at: Timestamp,
}

#[derive(Default)]
struct EnterpriseState {
    /// Bumped by every invalidation, so a read that raced with a write cannot store what it saw.
    generation: u64,
    entries: HashMap<BTreeSet<OrgNumber>, EnterpriseEntry>,
}

/// The answer of [`EnterpriseCache::lookup`].
#[derive(Debug, PartialEq, Eq)]
pub enum EnterpriseLookup {
    /// The enterprises of exactly the asked companies, by id.
    Hit(Arc<[Enterprise]>),
    /// Read the store, then hand the rows to [`EnterpriseCache::put`] with this generation.
    Miss { generation: u64 },
}

#[derive(Default)]
pub struct EnterpriseCache {
    state: RwLock<EnterpriseState>,
}

impl EnterpriseCache {
    /// The enterprises of `companies` if the store was asked for exactly this set less than
    /// `recheck_millis` ago.
    pub fn lookup(
        &self,
        companies: &BTreeSet<OrgNumber>,
        now: Timestamp,
        recheck_millis: i64,
    ) -> EnterpriseLookup {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        match state.entries.get(companies) {
            Some(entry) if within(entry.checked_at, now, recheck_millis) => {
                EnterpriseLookup::Hit(entry.enterprises.clone())
            }
            _ => EnterpriseLookup::Miss {
                generation: state.generation,
            },
        }
    }

    /// Remembers what the store answered for `companies`, unless the cache was invalidated
    /// since `generation` was handed out. Rows of any other company are never kept.
    pub fn put(
        &self,
        generation: u64,
        companies: &BTreeSet<OrgNumber>,
        found: &[Enterprise],
        now: Timestamp,
    ) -> Arc<[Enterprise]> {
        let enterprises: Arc<[Enterprise]> = found
            .iter()
            .filter(|enterprise| companies.contains(&enterprise.org_number))
            .cloned()
            .collect();
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.generation != generation {
            return enterprises;
        }
        if state.entries.len() >= MAX_CACHED_ENTERPRISE_SETS {
            state.entries.clear();
        }
        state.entries.insert(
            companies.clone(),
            EnterpriseEntry {
                enterprises: enterprises.clone(),
                checked_at: now,
            },
        );
        enterprises
    }

    /// Forgets everything; call it after committing a write that touches enterprise rows.
    pub fn invalidate(&self) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        state.generation += 1;
        state.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECHECK: i64 = 5_000;

    fn org(number: &str, name: &str) -> Organization {
        Organization {
            org_number: OrgNumber::parse(number).unwrap(),
            name: name.into(),
            parent: None,
        }
    }

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000 + millis)
    }

    fn generation(lookup: OrganizationLookup) -> u64 {
        match lookup {
            OrganizationLookup::Miss { generation } => generation,
            OrganizationLookup::Hit(found) => panic!("unexpected hit: {found:?}"),
        }
    }

    #[test]
    fn serves_what_the_store_said_including_absence_until_the_recheck_bound() {
        let cache = OrganizationCache::default();
        let kunde = org("930000000", "Demo Kunde AS");
        let missing = OrgNumber::parse("920000002").unwrap();
        let asked = vec![kunde.org_number.clone(), missing.clone()];
        let first = generation(cache.lookup(&asked, at(0), RECHECK));
        cache.put(first, &asked, std::slice::from_ref(&kunde), at(0));
        assert_eq!(
            cache.lookup(&asked, at(RECHECK - 1), RECHECK),
            OrganizationLookup::Hit(vec![kunde.clone()])
        );
        // At the bound the entry is no longer trusted: the store is read again.
        generation(cache.lookup(&asked, at(RECHECK), RECHECK));
        // One number never asked before is a miss even when the others are fresh.
        let other = OrgNumber::parse("930000019").unwrap();
        generation(cache.lookup([&kunde.org_number, &other], at(1), RECHECK));
        // A clock that went back does not make an entry fresh for ever.
        generation(cache.lookup(&asked, at(-1), RECHECK));
    }

    #[test]
    fn invalidation_drops_entries_and_refuses_a_put_that_raced_with_the_write() {
        let cache = OrganizationCache::default();
        let old = org("930000000", "Old Name AS");
        let asked = vec![old.org_number.clone()];
        let before_write = generation(cache.lookup(&asked, at(0), RECHECK));
        cache.put(before_write, &asked, std::slice::from_ref(&old), at(0));
        cache.invalidate();
        let after_write = generation(cache.lookup(&asked, at(1), RECHECK));
        assert_ne!(before_write, after_write);
        // A reader that looked before the write and answers after it must not store old rows.
        cache.put(before_write, &asked, std::slice::from_ref(&old), at(2));
        generation(cache.lookup(&asked, at(3), RECHECK));
        let renamed = org("930000000", "New Name AS");
        cache.put(after_write, &asked, std::slice::from_ref(&renamed), at(4));
        assert_eq!(
            cache.lookup(&asked, at(5), RECHECK),
            OrganizationLookup::Hit(vec![renamed])
        );
    }

    fn enterprise(id: &str, org_number: &str) -> Enterprise {
        Enterprise {
            id: id.into(),
            agreement_id: format!("agr-{id}"),
            org_number: OrgNumber::parse(org_number).unwrap(),
            name: format!("Enterprise {id}"),
            internal_number_length: 3,
            switchboard_number: None,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    fn set(numbers: &[&str]) -> BTreeSet<OrgNumber> {
        numbers
            .iter()
            .map(|number| OrgNumber::parse(number).unwrap())
            .collect()
    }

    fn enterprise_generation(lookup: EnterpriseLookup) -> u64 {
        match lookup {
            EnterpriseLookup::Miss { generation } => generation,
            EnterpriseLookup::Hit(found) => panic!("unexpected hit: {found:?}"),
        }
    }

    #[test]
    fn enterprises_are_served_only_for_the_exact_set_asked_and_within_the_bound() {
        let cache = EnterpriseCache::default();
        let kunde = set(&["930000000", "930000019"]);
        let first = enterprise_generation(cache.lookup(&kunde, at(0), RECHECK));
        // A row of a company outside the set (a store that answered too much) is not kept.
        let stored = cache.put(
            first,
            &kunde,
            &[
                enterprise("100001", "930000000"),
                enterprise("900001", "920000002"),
            ],
            at(0),
        );
        assert_eq!(&stored[..], &[enterprise("100001", "930000000")]);
        assert_eq!(
            cache.lookup(&kunde, at(RECHECK - 1), RECHECK),
            EnterpriseLookup::Hit(stored.clone())
        );
        // Another tenant's set, a subset and a superset are misses: never another's answer.
        enterprise_generation(cache.lookup(&set(&["920000002"]), at(1), RECHECK));
        enterprise_generation(cache.lookup(&set(&["930000000"]), at(1), RECHECK));
        enterprise_generation(cache.lookup(
            &set(&["930000000", "930000019", "920000002"]),
            at(1),
            RECHECK,
        ));
        // At the bound, and with a clock that went back, the store is read again.
        enterprise_generation(cache.lookup(&kunde, at(RECHECK), RECHECK));
        enterprise_generation(cache.lookup(&kunde, at(-1), RECHECK));
    }

    #[test]
    fn enterprise_invalidation_drops_entries_and_refuses_a_put_that_raced_with_the_write() {
        let cache = EnterpriseCache::default();
        let kunde = set(&["930000000"]);
        let before_write = enterprise_generation(cache.lookup(&kunde, at(0), RECHECK));
        cache.put(
            before_write,
            &kunde,
            &[enterprise("100001", "930000000")],
            at(0),
        );
        cache.invalidate();
        let after_write = enterprise_generation(cache.lookup(&kunde, at(1), RECHECK));
        assert_ne!(before_write, after_write);
        cache.put(
            before_write,
            &kunde,
            &[enterprise("100001", "930000000")],
            at(2),
        );
        enterprise_generation(cache.lookup(&kunde, at(3), RECHECK));
        let mut changed = enterprise("100001", "930000000");
        changed.internal_number_length = 4;
        cache.put(after_write, &kunde, std::slice::from_ref(&changed), at(4));
        assert_eq!(
            cache.lookup(&kunde, at(5), RECHECK),
            EnterpriseLookup::Hit(Arc::from(vec![changed]))
        );
    }
}
