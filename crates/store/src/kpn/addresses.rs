//! KPN delivery addresses: a customer's general addresses (owner NULL) and each caller's
//! personal ones (owner = the caller's key), in id order.

use sentral_domain::kpn::addresses::{AddressOwner, DeliveryAddress, OwnedAddress};
use sentral_domain::{OrgNumber, Timestamp};

use crate::db::Row;
use crate::rows::{int, opt_text, text};
use crate::{Connection, StoreError};

/// Which of a customer's addresses a list answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressScope<'a> {
    /// The customer's own (`/address/customer`).
    General,
    /// The caller's (`/address/user`).
    Personal(&'a str),
    /// Both (`/address/all`).
    GeneralAndPersonal(&'a str),
}

const COLUMNS: &str = "id, owner, address_name, attention, city, company_name, country, floor, \
                       house_number, location, postal_code, room, street";

fn address_from(row: &Row) -> Result<OwnedAddress, StoreError> {
    Ok(OwnedAddress {
        owner: AddressOwner::from_key(opt_text(row, "owner")?),
        address: DeliveryAddress {
            id: Some(int(row, "id")?),
            address_name: opt_text(row, "address_name")?,
            attention: opt_text(row, "attention")?,
            city: text(row, "city")?,
            company_name: text(row, "company_name")?,
            country: text(row, "country")?,
            floor: opt_text(row, "floor")?,
            house_number: text(row, "house_number")?,
            location: opt_text(row, "location")?,
            postal_code: text(row, "postal_code")?,
            room: opt_text(row, "room")?,
            street: text(row, "street")?,
        },
    })
}

/// Stores `address` under `id` (its own id is not read).
pub async fn insert_address(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
    owner: &AddressOwner,
    address: &DeliveryAddress,
    now: Timestamp,
) -> Result<(), StoreError> {
    crate::db::query(
        "INSERT INTO kpn_addresses (id, org_number, owner, address_name, attention, city, \
         company_name, country, floor, house_number, location, postal_code, room, street, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(id)
    .bind(org_number.as_str())
    .bind(owner.key())
    .bind(address.address_name.as_deref())
    .bind(address.attention.as_deref())
    .bind(&address.city)
    .bind(&address.company_name)
    .bind(&address.country)
    .bind(address.floor.as_deref())
    .bind(&address.house_number)
    .bind(address.location.as_deref())
    .bind(&address.postal_code)
    .bind(address.room.as_deref())
    .bind(&address.street)
    .bind(now.millis())
    .bind(now.millis())
    .execute(conn)
    .await
    .map_err(|e| e.conflict_as(format!("address {id}")))?;
    Ok(())
}

/// The customer's addresses in `scope`, by id.
pub async fn addresses(
    conn: &mut Connection,
    org_number: &OrgNumber,
    scope: AddressScope<'_>,
) -> Result<Vec<OwnedAddress>, StoreError> {
    let (condition, key) = match scope {
        AddressScope::General => ("owner IS NULL", None),
        AddressScope::Personal(key) => ("owner = $2", Some(key)),
        AddressScope::GeneralAndPersonal(key) => ("(owner IS NULL OR owner = $2)", Some(key)),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM kpn_addresses WHERE org_number = $1 AND {condition} ORDER BY id"
    );
    // Only the constant columns and conditions above are interpolated.
    let mut query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(org_number.as_str());
    if let Some(key) = key {
        query = query.bind(key);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(address_from).collect()
}

/// The customer's address `id`, whoever's it is.
pub async fn address(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<Option<OwnedAddress>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kpn_addresses WHERE id = $1 AND org_number = $2");
    // Only the constant column list is interpolated.
    crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(id)
        .bind(org_number.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(address_from)
        .transpose()
}

/// Replaces every field of address `id` (its owner stays); whether it was there.
pub async fn replace_address(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
    address: &DeliveryAddress,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = crate::db::query(
        "UPDATE kpn_addresses SET address_name = $3, attention = $4, city = $5, \
         company_name = $6, country = $7, floor = $8, house_number = $9, location = $10, \
         postal_code = $11, room = $12, street = $13, updated_at = $14 \
         WHERE id = $1 AND org_number = $2",
    )
    .bind(id)
    .bind(org_number.as_str())
    .bind(address.address_name.as_deref())
    .bind(address.attention.as_deref())
    .bind(&address.city)
    .bind(&address.company_name)
    .bind(&address.country)
    .bind(address.floor.as_deref())
    .bind(&address.house_number)
    .bind(address.location.as_deref())
    .bind(&address.postal_code)
    .bind(address.room.as_deref())
    .bind(&address.street)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes address `id`; whether it was there.
pub async fn delete_address(
    conn: &mut Connection,
    org_number: &OrgNumber,
    id: i64,
) -> Result<bool, StoreError> {
    let done = crate::db::query("DELETE FROM kpn_addresses WHERE id = $1 AND org_number = $2")
        .bind(id)
        .bind(org_number.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
