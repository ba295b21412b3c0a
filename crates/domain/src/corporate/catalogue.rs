//! The operator's product catalogue: base plans and add-ons of mobile subscriptions, and the
//! products that can be ordered on an agreement. Reference data, the same on every node.

use crate::corporate::wire_enum;

wire_enum!(
    /// Where a product offer can be ordered.
    ProductScope {
        /// A subscription's price plan (not an add-on; changed by other means).
        Plan = "PLAN",
        /// An add-on of a mobile subscription.
        SubscriptionAddOn = "SUBSCRIPTION_ADD_ON",
        /// A product of an agreement (queues, switchboards, Office licences …).
        Agreement = "AGREEMENT",
    }
);

wire_enum!(
    /// The kind of value a configuration takes.
    ConfigurationKind {
        Text = "TEXT",
        Number = "NUMBER",
        Choice = "CHOICE",
    }
);

/// A setting a product is ordered with, e.g. the queue's main number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigurationSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: ConfigurationKind,
    pub required: bool,
    /// The allowed values of a `CHOICE`.
    pub choices: &'static [&'static str],
}

impl ConfigurationSpec {
    /// Checks one value against the spec; the error says what is expected.
    pub fn check(&self, value: &str) -> Result<(), String> {
        match self.kind {
            ConfigurationKind::Text if value.trim().is_empty() || value.chars().count() > 100 => {
                Err(format!("{} must be 1-100 characters", self.id))
            }
            ConfigurationKind::Number
                if value.is_empty()
                    || value.len() > 15
                    || !value.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Err(format!("{} must be a number of 1-15 digits", self.id))
            }
            ConfigurationKind::Choice if !self.choices.contains(&value) => Err(format!(
                "{} must be one of {}",
                self.id,
                self.choices.join(", ")
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductOffer {
    pub id: i64,
    pub name: &'static str,
    pub scope: ProductScope,
    /// Add-ons that are part of the subscription's agreement cannot be removed by an order.
    pub removable: bool,
    pub configurations: &'static [ConfigurationSpec],
}

const fn offer(
    id: i64,
    name: &'static str,
    scope: ProductScope,
    removable: bool,
    configurations: &'static [ConfigurationSpec],
) -> ProductOffer {
    ProductOffer {
        id,
        name,
        scope,
        removable,
        configurations,
    }
}

const fn config(
    id: &'static str,
    name: &'static str,
    kind: ConfigurationKind,
    required: bool,
    choices: &'static [&'static str],
) -> ConfigurationSpec {
    ConfigurationSpec {
        id,
        name,
        kind,
        required,
        choices,
    }
}

use ConfigurationKind::{Choice, Number, Text};
use ProductScope::{Agreement, Plan, SubscriptionAddOn};

pub const CATALOGUE: &[ProductOffer] = &[
    offer(100101, "Bedrift Fri+ 10 GB", Plan, false, &[]),
    offer(100102, "Bedrift Fri+ 30 GB", Plan, false, &[]),
    offer(100103, "Bedrift Fri+ Ubegrenset", Plan, false, &[]),
    offer(100104, "Bedrift Mobilt Bredbånd 50 GB", Plan, false, &[]),
    offer(
        300101,
        "Mobilt Bedriftsnett medlem",
        SubscriptionAddOn,
        false,
        &[],
    ),
    offer(300102, "Data Ekstra 5 GB", SubscriptionAddOn, true, &[]),
    offer(300103, "Utland Europa", SubscriptionAddOn, true, &[]),
    offer(300104, "Tvilling-SIM", SubscriptionAddOn, true, &[]),
    offer(300105, "Nummervisning", SubscriptionAddOn, false, &[]),
    offer(300106, "Svarservice Bedrift", SubscriptionAddOn, true, &[]),
    offer(300107, "Fri Bruk Norden", SubscriptionAddOn, true, &[]),
    offer(
        404333,
        "Kø",
        Agreement,
        true,
        &[
            config("queueName", "Kønavn", Text, true, &[]),
            config("queueNumber", "Kø hoved nr", Number, true, &[]),
            config(
                "strategy",
                "Fordeling",
                Choice,
                false,
                &["LONGEST_IDLE", "ROUND_ROBIN", "RING_ALL", "FIXED_ORDER"],
            ),
        ],
    ),
    offer(
        404,
        "Office 365 Business Premium",
        Agreement,
        true,
        &[
            config("licences", "Antall lisenser", Number, true, &[]),
            config("domain", "Domene", Text, false, &[]),
        ],
    ),
    offer(
        405,
        "Office 365 Business Basic",
        Agreement,
        true,
        &[config("licences", "Antall lisenser", Number, true, &[])],
    ),
    offer(
        404334,
        "Sentralbord",
        Agreement,
        true,
        &[
            config("switchboardNumber", "Sentralbordnummer", Number, true, &[]),
            config("openingHours", "Åpningstid", Text, false, &[]),
        ],
    ),
    offer(
        404335,
        "Mobilt Bedriftsnett Talepost",
        Agreement,
        true,
        &[config("language", "Språk", Choice, false, &["NO", "EN"])],
    ),
];

impl ProductOffer {
    pub fn find(id: i64) -> Option<&'static ProductOffer> {
        CATALOGUE.iter().find(|offer| offer.id == id)
    }

    pub fn in_scope(scope: ProductScope) -> impl Iterator<Item = &'static ProductOffer> {
        CATALOGUE.iter().filter(move |offer| offer.scope == scope)
    }

    /// Checks the configurations an order carries: known ids, valid values, required ones
    /// present (when `complete` — an update may change only some).
    pub fn check_configurations<'a>(
        &self,
        values: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
        complete: bool,
    ) -> Result<(), String> {
        for (id, value) in values.clone() {
            let spec = self
                .configurations
                .iter()
                .find(|spec| spec.id == id)
                .ok_or_else(|| {
                    let known: Vec<&str> = self.configurations.iter().map(|s| s.id).collect();
                    format!(
                        "product offer {} has no configuration {id:?}; it has: {}",
                        self.id,
                        known.join(", ")
                    )
                })?;
            spec.check(value)?;
        }
        if complete {
            for spec in self.configurations.iter().filter(|spec| spec.required) {
                if !values.clone().into_iter().any(|(id, _)| id == spec.id) {
                    return Err(format!("configuration {} is required", spec.id));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_ids_are_unique() {
        let mut ids: Vec<i64> = CATALOGUE.iter().map(|offer| offer.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
    }

    #[test]
    fn configurations_are_checked_by_kind_and_completeness() {
        let queue = ProductOffer::find(404333).unwrap();
        let ok = [("queueName", "Support"), ("queueNumber", "22334455")];
        assert!(queue.check_configurations(ok, true).is_ok());
        assert!(
            queue
                .check_configurations([("queueName", "Support")], true)
                .unwrap_err()
                .contains("queueNumber is required")
        );
        assert!(
            queue
                .check_configurations([("queueName", "Support")], false)
                .is_ok()
        );
        assert!(
            queue
                .check_configurations([("queueNumber", "12ab")], false)
                .unwrap_err()
                .contains("number")
        );
        assert!(
            queue
                .check_configurations([("strategy", "RANDOM")], false)
                .unwrap_err()
                .contains("LONGEST_IDLE")
        );
        assert!(
            queue
                .check_configurations([("colour", "red")], false)
                .unwrap_err()
                .contains("no configuration")
        );
    }
}
