//! KPN delivery addresses: the customer's general addresses and the caller's personal ones.
//!
//! Decisions on what the spec leaves open:
//! - A general address belongs to the customer: every caller of the customer lists, edits and
//!   deletes it. A personal one belongs to the caller, keyed by [`caller_key`]
//!   (`client:<client_id>` for an application; a portal user's key takes its place when there
//!   are users): another caller of the same customer, like another customer, gets 404
//!   `CONTEXT_OBJECT_NOT_FOUND` for it.
//! - Ids are int64 from the counter `kpn-address`; lists answer in id order, `/address/all` the
//!   general addresses and the caller's personal ones together.
//! - Edit is a full replace (KPN style): an optional field left out is cleared.
//! - Deleting an address an open order delivers to is allowed: the order keeps its own copy
//!   (what [`Platform::delivery_address`] answers is stored with the order).
//! - Managing addresses is not ordering: a customer whose ordering is frozen may still keep its
//!   addresses (the privileges are the ordering ones, as the spec says).

use sentral_domain::kpn::addresses::{AddressOwner, OwnedAddress};
pub use sentral_domain::kpn::addresses::{DeliveryAddress, DeliveryAddressInput};
use sentral_store::Connection;
use sentral_store::kpn::addresses::{self as repo, AddressScope};

use super::{Customer, KpnFailure, KpnResult, invalid, privileges};
use crate::{Platform, Principal};

/// The first address id.
pub(crate) const FIRST_ADDRESS_ID: i64 = 9_000_001;

/// General (the customer's) or personal (the caller's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    General,
    Personal,
}

/// Which addresses a list answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressList {
    /// `/address/all`: general and the caller's personal ones.
    All,
    /// `/address/customer`.
    General,
    /// `/address/user`.
    Personal,
}

/// Who owns the caller's personal addresses.
pub(crate) fn caller_key(principal: &Principal) -> String {
    format!("client:{}", principal.client_id)
}

/// Checks a `DeliveryAddressRequest` against the spec's rules; an error is a 400 naming the
/// field behind `prefix` (`""` for an address body, `"address."` inside an order).
pub(crate) fn validate_delivery_address(
    input: &DeliveryAddressInput,
    prefix: &str,
) -> KpnResult<DeliveryAddress> {
    input
        .validate()
        .map_err(|violation| invalid(&format!("{prefix}{}", violation.field), violation.rule))
}

fn address_not_found(id: i64) -> super::KpnError {
    KpnFailure::ContextObjectNotFound(format!(
        "address {id} does not exist or is not visible to you"
    ))
    .into()
}

/// Whether `caller` may see (and so change) `address`.
fn visible_to(address: &OwnedAddress, caller: &str) -> bool {
    match &address.owner {
        AddressOwner::General => true,
        AddressOwner::Personal(owner) => owner == caller,
    }
}

/// The customer's address `id` if the caller sees it, else CONTEXT_OBJECT_NOT_FOUND.
async fn visible_address(
    conn: &mut Connection,
    customer: &Customer,
    principal: &Principal,
    id: i64,
) -> KpnResult<OwnedAddress> {
    repo::address(conn, &customer.org_number, id)
        .await?
        .filter(|address| visible_to(address, &caller_key(principal)))
        .ok_or_else(|| address_not_found(id))
}

impl Platform {
    /// `getAllAddressesUsingGET`, `getGeneralAddressesUsingGET`, `getPersonalAddressesUsingGET`.
    pub async fn kpn_addresses(
        &self,
        principal: &Principal,
        list: AddressList,
    ) -> KpnResult<Vec<DeliveryAddress>> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let key = caller_key(principal);
        let scope = match list {
            AddressList::All => AddressScope::GeneralAndPersonal(&key),
            AddressList::General => AddressScope::General,
            AddressList::Personal => AddressScope::Personal(&key),
        };
        let mut conn = self.store.read().await?;
        let addresses = repo::addresses(&mut conn, &customer.org_number, scope).await?;
        Ok(addresses.into_iter().map(|owned| owned.address).collect())
    }

    /// `newGeneralAddressUsingPOST`, `newPersonalAddressUsingPOST`: the address as stored.
    pub async fn kpn_new_address(
        &self,
        principal: &Principal,
        kind: AddressKind,
        input: &DeliveryAddressInput,
    ) -> KpnResult<DeliveryAddress> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let mut address = validate_delivery_address(input, "")?;
        let owner = match kind {
            AddressKind::General => AddressOwner::General,
            AddressKind::Personal => AddressOwner::Personal(caller_key(principal)),
        };
        let mut tx = self.store.write().await?;
        let id =
            sentral_store::corporate::next_number(&mut tx, "kpn-address", FIRST_ADDRESS_ID).await?;
        repo::insert_address(
            &mut tx,
            &customer.org_number,
            id,
            &owner,
            &address,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        address.id = Some(id);
        Ok(address)
    }

    /// `updateAddressUsingPOST`: replaces every field of a general or the caller's personal
    /// address.
    pub async fn kpn_edit_address(
        &self,
        principal: &Principal,
        id: i64,
        input: &DeliveryAddressInput,
    ) -> KpnResult<()> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let mut tx = self.store.write().await?;
        visible_address(&mut tx, &customer, principal, id).await?;
        let address = validate_delivery_address(input, "")?;
        repo::replace_address(&mut tx, &customer.org_number, id, &address, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `deleteAddressUsingPOST`: removes a general or the caller's personal address.
    pub async fn kpn_delete_address(&self, principal: &Principal, id: i64) -> KpnResult<()> {
        let customer = self.kpn_customer(principal, privileges::ORDERING).await?;
        let mut tx = self.store.write().await?;
        visible_address(&mut tx, &customer, principal, id).await?;
        repo::delete_address(&mut tx, &customer.org_number, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The address an order delivers to (`OrderRequest.addressId` or `OrderRequest.address`),
    /// read in the order's transaction: a stored address the caller sees (general or its own
    /// personal one, else 404 CONTEXT_OBJECT_NOT_FOUND) or an inline one checked like an
    /// address body (a 400 naming `address.<field>`); `None` when neither is given (an empty
    /// `address` object is none). Both at once is a 400: the order would not say which.
    pub(crate) async fn delivery_address(
        &self,
        tx: &mut Connection,
        customer: &Customer,
        principal: &Principal,
        address_id: Option<i64>,
        inline: Option<&DeliveryAddressInput>,
    ) -> KpnResult<Option<DeliveryAddress>> {
        let inline = inline.filter(|input| !input.is_empty());
        match (address_id, inline) {
            (Some(_), Some(_)) => Err(invalid(
                "addressId",
                "give either addressId or address, not both",
            )),
            (Some(id), None) => Ok(Some(
                visible_address(tx, customer, principal, id).await?.address,
            )),
            (None, Some(input)) => validate_delivery_address(input, "address.").map(Some),
            (None, None) => Ok(None),
        }
    }
}

/// The demo customer's addresses: three general ones and a personal one of the demo client.
pub(crate) async fn seed_demo_addresses(
    tx: &mut Connection,
    org_number: &sentral_domain::OrgNumber,
    now: sentral_domain::Timestamp,
) -> KpnResult<()> {
    let demo_client = AddressOwner::Personal(format!("client:{}", crate::demo::KPN_CLIENT_ID));
    let addresses = [
        (
            AddressOwner::General,
            "Hoofdkantoor",
            Some("Receptie"),
            Some("12"),
            "Wilhelminakade",
            "123",
            "3072AP",
            "Rotterdam",
        ),
        (
            AddressOwner::General,
            "Vestiging Noord",
            Some("Facilitair"),
            None,
            "Oude Boteringestraat",
            "44",
            "9712GL",
            "Groningen",
        ),
        (
            AddressOwner::General,
            "Magazijn Zuid",
            Some("Goederenontvangst"),
            None,
            "Achtseweg Zuid",
            "151",
            "5651GW",
            "Eindhoven",
        ),
        (
            demo_client,
            "Thuiswerkplek",
            Some("Jan de Vries"),
            None,
            "Prinsengracht",
            "263",
            "1016GV",
            "Amsterdam",
        ),
    ];
    for (owner, name, attention, floor, street, number, postal_code, city) in addresses {
        let address = DeliveryAddress {
            id: None,
            address_name: Some(name.into()),
            attention: attention.map(str::to_owned),
            city: city.into(),
            company_name: super::demo::CUSTOMER_NAME.into(),
            country: "NL".into(),
            floor: floor.map(str::to_owned),
            house_number: number.into(),
            location: None,
            postal_code: postal_code.into(),
            room: None,
            street: street.into(),
        };
        let id = sentral_store::corporate::next_number(tx, "kpn-address", FIRST_ADDRESS_ID).await?;
        repo::insert_address(tx, org_number, id, &owner, &address, now).await?;
    }
    Ok(())
}
