//! The product catalogue every KPN customer orders from (seeded; read once per process).

use sentral_domain::kpn::contracting::{CatalogueNode, Prices, SelectionStrategy};

use crate::corporate::Bind;
use crate::db::Row;
use crate::rows::{corrupt, flag, int, opt_text, text};
use crate::{Connection, StoreError};

fn node_from(row: &Row) -> Result<CatalogueNode, StoreError> {
    let strategy = text(row, "strategy")?;
    Ok(CatalogueNode {
        id: text(row, "node_id")?,
        parent_id: opt_text(row, "parent_node_id")?,
        position: int(row, "position")?,
        bs_id: int(row, "bs_id")?,
        name_en: text(row, "name_en")?,
        name_nl: text(row, "name_nl")?,
        category: text(row, "category")?,
        subcategory: text(row, "subcategory")?,
        strategy: SelectionStrategy::parse(&strategy)
            .ok_or_else(|| corrupt("selection strategy", &strategy))?,
        required: flag(row, "required")?,
        default_selected: flag(row, "default_selected")?,
        disabled: flag(row, "disabled")?,
        visible: flag(row, "visible")?,
        can_order_more_than_one: flag(row, "can_order_more")?,
        hardware: flag(row, "hardware")?,
        main: flag(row, "main")?,
        subscription: flag(row, "subscription")?,
        prices: Prices {
            activation_fee_in_cents: int(row, "activation_fee")?,
            hardware_fee_in_cents: int(row, "hardware_fee")?,
            private_copying_levy_in_cents: int(row, "copying_levy")?,
            monthly_fee_in_cents: int(row, "monthly_fee")?,
        },
    })
}

/// Replaces the catalogue with `nodes` (parents before children, in their order).
pub async fn replace_catalogue(
    conn: &mut Connection,
    nodes: &[CatalogueNode],
) -> Result<(), StoreError> {
    crate::db::query("DELETE FROM kpn_catalogue_nodes")
        .execute(&mut *conn)
        .await?;
    let flag = |value: bool| Bind::Int(i64::from(value));
    let rows = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            vec![
                Bind::Int(index as i64 + 1),
                Bind::Text(node.id.clone()),
                node.parent_id.clone().map_or(Bind::NullText, Bind::Text),
                Bind::Int(node.position),
                Bind::Int(node.bs_id),
                Bind::Text(node.name_en.clone()),
                Bind::Text(node.name_nl.clone()),
                Bind::Text(node.category.clone()),
                Bind::Text(node.subcategory.clone()),
                Bind::Text(node.strategy.as_str().to_owned()),
                flag(node.required),
                flag(node.default_selected),
                flag(node.disabled),
                flag(node.visible),
                flag(node.can_order_more_than_one),
                flag(node.hardware),
                flag(node.main),
                flag(node.subscription),
                Bind::Int(node.prices.activation_fee_in_cents),
                Bind::Int(node.prices.hardware_fee_in_cents),
                Bind::Int(node.prices.private_copying_levy_in_cents),
                Bind::Int(node.prices.monthly_fee_in_cents),
            ]
        })
        .collect();
    super::super::bulk::insert_rows(
        conn,
        "kpn_catalogue_nodes (id, node_id, parent_node_id, position, bs_id, name_en, name_nl, \
         category, subcategory, strategy, required, default_selected, disabled, visible, \
         can_order_more, hardware, main, subscription, activation_fee, hardware_fee, \
         copying_levy, monthly_fee)",
        rows,
    )
    .await
}

/// The whole catalogue, parents before children, siblings in their order.
pub async fn catalogue(conn: &mut Connection) -> Result<Vec<CatalogueNode>, StoreError> {
    let rows = crate::db::query("SELECT * FROM kpn_catalogue_nodes ORDER BY id")
        .fetch_all(conn)
        .await?;
    rows.iter().map(node_from).collect()
}
