//! The product catalogue in memory: read from the store once per process (it changes only when
//! the demo world seeds it), indexed by node id, parent and bsId.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sentral_domain::kpn::contracting::CatalogueNode;
use sentral_store::kpn::contracting::catalogue as repo;

use crate::{Platform, ServiceError};

/// The catalogue with its indexes.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub nodes: Vec<CatalogueNode>,
    by_id: HashMap<String, usize>,
    children: HashMap<Option<String>, Vec<usize>>,
    by_bs_id: HashMap<i64, usize>,
}

impl Catalogue {
    pub fn new(nodes: Vec<CatalogueNode>) -> Self {
        let mut by_id = HashMap::new();
        let mut children: HashMap<Option<String>, Vec<usize>> = HashMap::new();
        let mut by_bs_id = HashMap::new();
        for (index, node) in nodes.iter().enumerate() {
            by_id.insert(node.id.clone(), index);
            children
                .entry(node.parent_id.clone())
                .or_default()
                .push(index);
            if node.bs_id != 0 {
                by_bs_id.insert(node.bs_id, index);
            }
        }
        for list in children.values_mut() {
            list.sort_by_key(|index| nodes[*index].position);
        }
        Self {
            nodes,
            by_id,
            children,
            by_bs_id,
        }
    }

    pub fn node(&self, id: &str) -> Option<&CatalogueNode> {
        self.by_id.get(id).map(|index| &self.nodes[*index])
    }

    pub fn by_bs_id(&self, bs_id: i64) -> Option<&CatalogueNode> {
        self.by_bs_id.get(&bs_id).map(|index| &self.nodes[*index])
    }

    /// The children of `parent` (None: the roots), in their order.
    pub fn children(&self, parent: Option<&str>) -> impl Iterator<Item = &CatalogueNode> {
        self.children
            .get(&parent.map(str::to_owned))
            .into_iter()
            .flatten()
            .map(|index| &self.nodes[*index])
    }

    pub fn parent(&self, node: &CatalogueNode) -> Option<&CatalogueNode> {
        node.parent_id.as_deref().and_then(|id| self.node(id))
    }

    /// The ancestors of `node`, nearest first.
    pub fn ancestors<'a>(&'a self, node: &'a CatalogueNode) -> Vec<&'a CatalogueNode> {
        let mut found = Vec::new();
        let mut current = self.parent(node);
        while let Some(parent) = current {
            found.push(parent);
            current = self.parent(parent);
        }
        found
    }

    /// The nearest ancestor that is a product (not a folder).
    pub fn parent_product<'a>(&'a self, node: &'a CatalogueNode) -> Option<&'a CatalogueNode> {
        self.ancestors(node).into_iter().find(|n| !n.is_folder())
    }

    /// `node` and everything below it.
    pub fn subtree<'a>(&'a self, node: &'a CatalogueNode) -> Vec<&'a CatalogueNode> {
        let mut found = vec![node];
        let mut index = 0;
        while index < found.len() {
            let id = found[index].id.clone();
            found.extend(self.children(Some(&id)));
            index += 1;
        }
        found
    }

    /// The subscription a node belongs to (itself when it is one).
    pub fn subscription_of<'a>(&'a self, node: &'a CatalogueNode) -> Option<&'a CatalogueNode> {
        if node.subscription {
            return Some(node);
        }
        self.ancestors(node).into_iter().find(|n| n.subscription)
    }
}

/// The catalogue loaded once per platform.
#[derive(Default)]
pub struct CatalogueCache(RwLock<Option<Arc<Catalogue>>>);

impl CatalogueCache {
    pub(crate) fn forget(&self) {
        if let Ok(mut slot) = self.0.write() {
            *slot = None;
        }
    }
}

impl Platform {
    /// The catalogue, from memory after the first read.
    pub(crate) async fn kpn_catalogue(&self) -> Result<Arc<Catalogue>, ServiceError> {
        if let Some(loaded) = self
            .kpn_catalogue
            .0
            .read()
            .ok()
            .and_then(|slot| slot.clone())
        {
            return Ok(loaded);
        }
        let mut conn = self.store.read().await?;
        let nodes = repo::catalogue(&mut conn).await?;
        drop(conn);
        let catalogue = Arc::new(Catalogue::new(nodes));
        // An empty catalogue is not kept: the demo world may not be seeded yet.
        if !catalogue.nodes.is_empty()
            && let Ok(mut slot) = self.kpn_catalogue.0.write()
        {
            *slot = Some(catalogue.clone());
        }
        Ok(catalogue)
    }
}
