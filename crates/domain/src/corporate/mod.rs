//! The corporate customer's world as the Telenor Info/Order APIs show it: invoice accounts with
//! address cards, agreements and their products, mobile subscriptions and orders.

pub mod accounts;
pub mod agreements;
pub mod catalogue;
pub mod orders;
pub mod subscriptions;

pub use accounts::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCard, AddressCardId,
    CorporateAccount, InvoiceFormat, Payer, PersonName, PostalAddress,
};
pub use agreements::{AgreementProduct, AgreementProductStatus};
pub use catalogue::{ConfigurationKind, ConfigurationSpec, ProductOffer, ProductScope};
pub use orders::{ConfigurationValue, Order, OrderId, OrderStatus, OrderSubject, OrderType};
pub use subscriptions::{
    MobileSubscription, SubscriptionProduct, SubscriptionStatus, SubscriptionSummary,
    UserReference, UserReferences,
};

/// Declares a `SCREAMING_SNAKE_CASE` wire enum with `as_str`, `parse` and the list of values.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }

            /// The wire values, for error messages: `A, B, C`.
            pub fn values() -> String {
                Self::ALL.iter().map(|value| value.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;
