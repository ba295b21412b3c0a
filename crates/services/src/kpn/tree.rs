//! A customer's groups in memory (they are few): paths, debtors and placement checks of a
//! request are answered from one read.

use std::collections::HashMap;

use sentral_domain::kpn::{HierarchyItem, ItemKind};

pub struct Tree {
    groups: HashMap<i64, HierarchyItem>,
}

impl Tree {
    pub fn new(groups: Vec<HierarchyItem>) -> Self {
        Self {
            groups: groups.into_iter().map(|item| (item.id, item)).collect(),
        }
    }

    pub fn group(&self, id: i64) -> Option<&HierarchyItem> {
        self.groups.get(&id)
    }

    /// `id` and its ancestors, the customer first (`id` last). Empty for an unknown id.
    pub fn chain(&self, id: i64) -> Vec<&HierarchyItem> {
        let mut chain = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            let Some(item) = self.groups.get(&current) else {
                break;
            };
            if chain.iter().any(|seen: &&HierarchyItem| seen.id == item.id) {
                break;
            }
            chain.push(item);
            next = item.parent_id;
        }
        chain.reverse();
        chain
    }

    /// The path of an item whose parent is `parent_id`: ancestors, the customer first.
    pub fn path_of(&self, parent_id: Option<i64>) -> Vec<&HierarchyItem> {
        parent_id.map(|id| self.chain(id)).unwrap_or_default()
    }

    /// The debtor on the chain of `id` (itself included).
    pub fn debtor_of(&self, id: i64) -> Option<i64> {
        self.chain(id)
            .iter()
            .find(|item| item.kind == ItemKind::Debtor)
            .map(|item| item.id)
    }

    /// The cost centre on the chain of `id` (itself included).
    pub fn cost_center_of(&self, id: i64) -> Option<i64> {
        self.chain(id)
            .iter()
            .rev()
            .find(|item| item.kind == ItemKind::CostCenter)
            .map(|item| item.id)
    }

    /// `candidate` is `id` or below it.
    pub fn is_within(&self, candidate: i64, id: i64) -> bool {
        self.chain(candidate).iter().any(|item| item.id == id)
    }

    /// Whether `item` lies in one of `groups`: it is one of them, or below one (a subscriber
    /// by its parent). The one scope check of a token acting for a portal user.
    pub fn lies_in(&self, item: &HierarchyItem, groups: &[i64]) -> bool {
        let anchor = if item.kind == ItemKind::Subscriber {
            item.parent_id
        } else {
            Some(item.id)
        };
        anchor.is_some_and(|id| {
            self.chain(id)
                .iter()
                .any(|group| groups.contains(&group.id))
        })
    }

    /// Every group of `groups` with every group below it.
    pub fn groups_within(&self, groups: &[i64]) -> Vec<i64> {
        let mut within: Vec<i64> = self
            .groups
            .values()
            .filter(|group| self.lies_in(group, groups))
            .map(|group| group.id)
            .collect();
        within.sort_unstable();
        within
    }

    /// The groups directly below `id`.
    pub fn child_groups(&self, id: i64) -> impl Iterator<Item = &HierarchyItem> {
        self.groups
            .values()
            .filter(move |item| item.parent_id == Some(id))
    }

    /// The kinds of the groups below `id` (all levels).
    pub fn kinds_below(&self, id: i64) -> Vec<ItemKind> {
        let mut kinds = Vec::new();
        let mut level: Vec<i64> = vec![id];
        while let Some(parent) = level.pop() {
            for child in self.child_groups(parent) {
                kinds.push(child.kind);
                level.push(child.id);
            }
        }
        kinds
    }
}
