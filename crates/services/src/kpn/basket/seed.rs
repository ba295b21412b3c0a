//! The product catalogue the demo world seeds: KPN's mobile subscriptions with their options
//! and add-ons, handsets in their capacities and colours, accessories and SIM cards. bsIds are
//! the demo contracts' (2001 Smartphone Subscription, 2101, 2102, 2103).

use sentral_domain::kpn::contracting::{CatalogueNode, Prices, SelectionStrategy};

use super::super::demo::{PRODUCT_EN, PRODUCT_NL};
use super::seed_data::{ACCESSORIES, DATA_ONLY, Group, HANDSETS, SIM_ONLY, SMARTPHONE};
use SelectionStrategy::{SelectMany, SelectOne};

/// Builds the tree in order, parents before children.
struct Builder {
    nodes: Vec<CatalogueNode>,
    next_folder: i64,
}

/// What a node is, beyond its names.
#[derive(Clone, Copy, Default)]
struct Shape {
    strategy: Option<SelectionStrategy>,
    required: bool,
    default_selected: bool,
    disabled: bool,
    more: bool,
    hardware: bool,
    main: bool,
    subscription: bool,
}

fn monthly(cents: i64) -> Prices {
    Prices {
        monthly_fee_in_cents: cents,
        ..Prices::default()
    }
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        parent: Option<&str>,
        bs_id: i64,
        en: &str,
        nl: &str,
        category: &str,
        subcategory: &str,
        shape: Shape,
        prices: Prices,
    ) -> String {
        let id = if bs_id == 0 {
            self.next_folder += 1;
            format!("TreeNode_{}", self.next_folder)
        } else {
            format!("TreeNode_{bs_id}")
        };
        let position = self
            .nodes
            .iter()
            .filter(|n| n.parent_id.as_deref() == parent)
            .count() as i64;
        self.nodes.push(CatalogueNode {
            id: id.clone(),
            parent_id: parent.map(str::to_owned),
            position,
            bs_id,
            name_en: en.into(),
            name_nl: nl.into(),
            category: category.into(),
            subcategory: subcategory.into(),
            strategy: shape.strategy.unwrap_or(SelectionStrategy::NoChildren),
            required: shape.required,
            default_selected: shape.default_selected,
            disabled: shape.disabled,
            visible: true,
            can_order_more_than_one: shape.more,
            hardware: shape.hardware,
            main: shape.main,
            subscription: shape.subscription,
            prices,
        });
        id
    }

    fn folder(
        &mut self,
        parent: Option<&str>,
        en: &str,
        nl: &str,
        category: &str,
        strategy: SelectionStrategy,
        required: bool,
    ) -> String {
        let shape = Shape {
            strategy: Some(strategy),
            required,
            ..Shape::default()
        };
        self.add(parent, 0, en, nl, category, "", shape, Prices::default())
    }

    /// A mobile option or add-on under `group`.
    fn option(&mut self, group: &str, bs_id: i64, en: &str, nl: &str, default: bool, fee: i64) {
        let shape = Shape {
            default_selected: default,
            ..Shape::default()
        };
        self.add(
            Some(group),
            bs_id,
            en,
            nl,
            "MOBILE",
            "mobile options",
            shape,
            monthly(fee),
        );
    }
}

fn subscription(
    b: &mut Builder,
    parent: &str,
    bs_id: i64,
    (en, nl): (&str, &str),
    prices: Prices,
    groups: &[Group<'_>],
) {
    let shape = Shape {
        strategy: Some(SelectionStrategy::SelectMany),
        main: true,
        subscription: true,
        ..Shape::default()
    };
    let id = b.add(
        Some(parent),
        bs_id,
        en,
        nl,
        "MOBILE",
        "mobile subscriptions",
        shape,
        prices,
    );
    for (group_en, group_nl, strategy, required, options) in groups {
        let group = b.folder(
            Some(&id),
            group_en,
            group_nl,
            "MOBILE",
            *strategy,
            *required,
        );
        for (bs, option_en, option_nl, default, fee) in options.iter() {
            b.option(&group, *bs, option_en, option_nl, *default, *fee);
        }
    }
}

/// Thuiskopieheffing on a handset by its capacity, in cents.
fn copying_levy(gigabytes: i64) -> i64 {
    match gigabytes {
        ..=64 => 360,
        65..=128 => 430,
        129..=256 => 480,
        _ => 540,
    }
}

fn capacity(gigabytes: i64) -> String {
    if gigabytes >= 1024 {
        format!("{} TB", gigabytes / 1024)
    } else {
        format!("{gigabytes} GB")
    }
}

/// The whole catalogue.
pub fn catalogue() -> Vec<CatalogueNode> {
    let mut b = Builder {
        nodes: Vec::new(),
        next_folder: 100,
    };
    let mobile = b.folder(
        None,
        "Mobile subscriptions",
        "Mobiele abonnementen",
        "MOBILE",
        SelectOne,
        false,
    );
    subscription(
        &mut b,
        &mobile,
        2001,
        (PRODUCT_EN, PRODUCT_NL),
        Prices {
            activation_fee_in_cents: 2500,
            monthly_fee_in_cents: 1000,
            ..Prices::default()
        },
        SMARTPHONE,
    );
    subscription(
        &mut b,
        &mobile,
        2002,
        ("SIM only voice and data", "Sim only bellen en internet"),
        Prices {
            activation_fee_in_cents: 1500,
            monthly_fee_in_cents: 500,
            ..Prices::default()
        },
        SIM_ONLY,
    );
    subscription(
        &mut b,
        &mobile,
        2003,
        ("Data only", "Alleen data"),
        Prices {
            activation_fee_in_cents: 1500,
            monthly_fee_in_cents: 300,
            ..Prices::default()
        },
        DATA_ONLY,
    );
    let hardware = b.folder(None, "Hardware", "Hardware", "HARDWARE", SelectMany, false);
    let handsets = b.folder(
        Some(&hardware),
        "Handsets",
        "Toestellen",
        "HARDWARE",
        SelectMany,
        false,
    );
    let mut bs = 3001;
    for (model, capacities, base, colours, discontinued) in HANDSETS {
        let folder = b.folder(Some(&handsets), model, model, "HARDWARE", SelectMany, false);
        for (step, gigabytes) in capacities.iter().enumerate() {
            for (colour_en, colour_nl) in colours.iter() {
                let shape = Shape {
                    disabled: *discontinued,
                    more: true,
                    hardware: true,
                    main: true,
                    ..Shape::default()
                };
                let size = capacity(*gigabytes);
                b.add(
                    Some(&folder),
                    bs,
                    &format!("{model} {size} {colour_en}"),
                    &format!("{model} {size} {colour_nl}"),
                    "HARDWARE",
                    "handsets",
                    shape,
                    Prices {
                        hardware_fee_in_cents: base + step as i64 * 13_000,
                        private_copying_levy_in_cents: copying_levy(*gigabytes),
                        ..Prices::default()
                    },
                );
                bs += 1;
            }
        }
    }
    let extras = b.folder(
        Some(&hardware),
        "Additional mobile hardware",
        "Aanvullende mobiele hardware",
        "HARDWARE",
        SelectMany,
        false,
    );
    for (index, (en, nl, price)) in ACCESSORIES.iter().enumerate() {
        let shape = Shape {
            more: true,
            hardware: true,
            main: true,
            ..Shape::default()
        };
        b.add(
            Some(&extras),
            3701 + index as i64,
            en,
            nl,
            "HARDWARE",
            "additional mobile hardware",
            shape,
            Prices {
                hardware_fee_in_cents: *price,
                ..Prices::default()
            },
        );
    }
    let sims = b.folder(
        Some(&hardware),
        "SIM cards",
        "Simkaarten",
        "HARDWARE",
        SelectMany,
        false,
    );
    for (bs_id, en, nl, fee) in [
        (3901, "SIM card triple-cut", "Simkaart triple-cut", 0),
        (
            3902,
            "SIM card for IoT devices",
            "Simkaart voor IoT-apparaten",
            500,
        ),
        (3903, "Replacement SIM card", "Vervangende simkaart", 1000),
    ] {
        let shape = Shape {
            more: true,
            hardware: true,
            main: true,
            ..Shape::default()
        };
        b.add(
            Some(&sims),
            bs_id,
            en,
            nl,
            "HARDWARE",
            "sim cards",
            shape,
            Prices {
                activation_fee_in_cents: fee,
                ..Prices::default()
            },
        );
    }
    b.nodes
}

/// Seeds the catalogue (shared by every customer), the demo customers' free numbers and Demo
/// Klant's templates, in the demo world's transaction.
pub(crate) async fn seed_demo_contracting(
    conn: &mut sentral_store::Connection,
    org_number: &sentral_domain::OrgNumber,
    root: i64,
    places: &[i64],
    now: sentral_domain::Timestamp,
) -> crate::kpn::KpnResult<()> {
    use sentral_domain::kpn::contracting::{Template, TemplateContent};
    use sentral_store::kpn::contracting::{catalogue as catalogue_repo, numbers, templates};

    catalogue_repo::replace_catalogue(conn, &catalogue()).await?;
    let free: Vec<String> = (0..200).map(|i| format!("3162000{i:04}")).collect();
    numbers::insert_numbers(conn, org_number, 1, &free).await?;
    let frozen = super::super::demo::org(super::super::demo::FROZEN_KVK)?;
    let free: Vec<String> = (0..50).map(|i| format!("3163000{i:04}")).collect();
    numbers::insert_numbers(conn, &frozen, 1001, &free).await?;
    let select = |ids: &[i64]| TemplateContent {
        selected: ids.iter().map(|bs| (format!("TreeNode_{bs}"), 1)).collect(),
        characteristics: Default::default(),
    };
    let demo_templates = [
        (
            "Smartphone EU - Unlimited abonnement",
            root,
            select(&[2001, 2101, 2102, 2103, 2121, 2131, 2133, 2141]),
        ),
        ("Data only 10 GB", root, select(&[2003, 2301, 2304, 2321])),
        (
            "Verkoop SIM only",
            places.first().copied().unwrap_or(root),
            select(&[2002, 2201, 2203, 2206, 2231]),
        ),
        // Its 5G bundle (2099) is no longer offered: invalid, NOT_SUPPORTED_PRODUCT.
        (
            "Smartphone 5G Max (old)",
            root,
            select(&[2001, 2101, 2099, 2103]),
        ),
    ];
    for (name, group_id, content) in demo_templates {
        let template = Template {
            id: sentral_store::corporate::next_number(conn, "kpn-template", 9001).await?,
            name: name.into(),
            main_category: "MOBILE".into(),
            group_id,
            customer_level: group_id == root,
            content,
        };
        templates::insert_template(conn, org_number, &template, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_of_realistic_size_with_unique_ids() {
        let nodes = catalogue();
        assert!(nodes.len() >= 200, "{} nodes", nodes.len());
        let mut ids: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), nodes.len());
        let mut bs: Vec<i64> = nodes.iter().map(|n| n.bs_id).filter(|b| *b != 0).collect();
        let products = bs.len();
        bs.sort_unstable();
        bs.dedup();
        assert_eq!(bs.len(), products, "bsIds are unique");
        for demo in [2001, 2101, 2102, 2103] {
            assert!(nodes.iter().any(|n| n.bs_id == demo), "bsId {demo}");
        }
        let smartphone = nodes.iter().find(|n| n.bs_id == 2001).unwrap();
        assert_eq!(smartphone.name_en, "Smartphone Subscription");
        assert_eq!(smartphone.name_nl, "Smartphone Abonnement");
    }
}
