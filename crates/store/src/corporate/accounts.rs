//! Address cards and invoice accounts.

use sentral_domain::corporate::{
    AccountId, AccountReference, AccountStatus, AccountType, AddressCard, AddressCardId,
    CorporateAccount, InvoiceFormat, Payer, PersonName, PostalAddress,
};
use sentral_domain::{OrgNumber, Timestamp};
use sqlx::any::AnyRow;

use super::{Bind, Filter, Page, Reach};
use crate::rows::{at, corrupt, int, opt_int, opt_org, opt_text, org, text};
use crate::{AnyConnection, StoreError};

fn address_from(row: &AnyRow) -> Result<PostalAddress, StoreError> {
    Ok(PostalAddress {
        street_name: text(row, "street_name")?,
        street_address: text(row, "street_address")?,
        entrance_code: opt_text(row, "entrance_code")?,
        postal_code: text(row, "postal_code")?,
        postal_place: text(row, "postal_place")?,
    })
}

fn invoice_format(row: &AnyRow) -> Result<InvoiceFormat, StoreError> {
    let value = text(row, "invoice_format")?;
    InvoiceFormat::parse(&value).ok_or_else(|| corrupt("invoice format", &value))
}

pub async fn insert_address_card(
    conn: &mut AnyConnection,
    card: &AddressCard,
) -> Result<(), StoreError> {
    let address = &card.address;
    sqlx::query(
        "INSERT INTO address_cards (id, org_number, street_name, street_address, entrance_code, \
         postal_code, postal_place, invoice_format) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(card.id.as_str())
    .bind(card.org_number.as_str())
    .bind(&address.street_name)
    .bind(&address.street_address)
    .bind(address.entrance_code.as_deref())
    .bind(&address.postal_code)
    .bind(&address.postal_place)
    .bind(card.invoice_format.as_str())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).conflict_as(format!("address card {}", card.id.as_str())))?;
    Ok(())
}

fn address_card_from(row: &AnyRow) -> Result<AddressCard, StoreError> {
    let id = text(row, "id")?;
    Ok(AddressCard {
        id: AddressCardId::parse(&id)?,
        org_number: org(row, "org_number")?,
        address: address_from(row)?,
        invoice_format: invoice_format(row)?,
    })
}

pub async fn address_card(
    conn: &mut AnyConnection,
    id: &AddressCardId,
) -> Result<Option<AddressCard>, StoreError> {
    sqlx::query("SELECT * FROM address_cards WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(address_card_from)
        .transpose()
}

pub async fn address_cards_of(
    conn: &mut AnyConnection,
    org_number: &OrgNumber,
) -> Result<Vec<AddressCard>, StoreError> {
    sqlx::query("SELECT * FROM address_cards WHERE org_number = $1 ORDER BY id")
        .bind(org_number.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(address_card_from)
        .collect()
}

pub async fn insert_account(
    conn: &mut AnyConnection,
    account: &CorporateAccount,
) -> Result<(), StoreError> {
    let (payer_org, person) = match &account.payer {
        Payer::Company(org_number) => (Some(org_number.as_str()), None),
        Payer::Person(person) => (None, Some(person)),
    };
    let address = &account.invoice_address;
    let id_number: i64 = account
        .id
        .as_str()
        .parse()
        .map_err(|_| corrupt("account id", account.id.as_str()))?;
    sqlx::query(
        "INSERT INTO corporate_accounts (id, owner_org, payer_org, payer_first, payer_middle, \
         payer_last, reference1, reference2, reference3, address_card_id, street_name, \
         street_address, entrance_code, postal_code, postal_place, invoice_format, status, \
         account_type, created_at, activates_at, listed_from, id_number) VALUES ($1, $2, $3, $4, \
         $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(account.id.as_str())
    .bind(account.owner.as_str())
    .bind(payer_org)
    .bind(person.map(|p| p.first_name.as_str()))
    .bind(person.and_then(|p| p.middle_name.as_deref()))
    .bind(person.map(|p| p.last_name.as_str()))
    .bind(account.reference(1))
    .bind(account.reference(2))
    .bind(account.reference(3))
    .bind(account.address_card.as_ref().map(AddressCardId::as_str))
    .bind(&address.street_name)
    .bind(&address.street_address)
    .bind(address.entrance_code.as_deref())
    .bind(&address.postal_code)
    .bind(&address.postal_place)
    .bind(account.invoice_format.as_str())
    .bind(account.stored_status.as_str())
    .bind(account.account_type.as_str())
    .bind(account.created_at.millis())
    .bind(account.activates_at.map(Timestamp::millis))
    .bind(account.listed_from.millis())
    .bind(id_number)
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).conflict_as(format!("account {}", account.id)))?;
    Ok(())
}

fn reference(row: &AnyRow, column: &'static str) -> Result<Option<AccountReference>, StoreError> {
    opt_text(row, column)?
        .map(|value| AccountReference::parse(column, &value))
        .transpose()
        .map_err(Into::into)
}

fn account_from(row: &AnyRow) -> Result<CorporateAccount, StoreError> {
    let payer = match opt_org(row, "payer_org")? {
        Some(org_number) => Payer::Company(org_number),
        None => Payer::Person(PersonName {
            first_name: opt_text(row, "payer_first")?.unwrap_or_default(),
            middle_name: opt_text(row, "payer_middle")?,
            last_name: opt_text(row, "payer_last")?.unwrap_or_default(),
        }),
    };
    let status = text(row, "status")?;
    let account_type = text(row, "account_type")?;
    Ok(CorporateAccount {
        id: AccountId::parse(&text(row, "id")?)?,
        references: [
            reference(row, "reference1")?,
            reference(row, "reference2")?,
            reference(row, "reference3")?,
        ],
        owner: org(row, "owner_org")?,
        payer,
        address_card: opt_text(row, "address_card_id")?
            .map(|id| AddressCardId::parse(&id))
            .transpose()?,
        invoice_address: address_from(row)?,
        invoice_format: invoice_format(row)?,
        stored_status: AccountStatus::parse(&status)
            .ok_or_else(|| corrupt("account status", &status))?,
        account_type: AccountType::parse(&account_type)
            .ok_or_else(|| corrupt("account type", &account_type))?,
        created_at: at(row, "created_at")?,
        activates_at: opt_int(row, "activates_at")?.map(Timestamp::from_millis),
        listed_from: Timestamp::from_millis(int(row, "listed_from")?),
    })
}

pub async fn account(
    conn: &mut AnyConnection,
    id: &AccountId,
) -> Result<Option<CorporateAccount>, StoreError> {
    sqlx::query("SELECT * FROM corporate_accounts WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(account_from)
        .transpose()
}

/// The accounts within `reach` listed at `now`, by account number.
pub async fn accounts_page(
    conn: &mut AnyConnection,
    reach: Reach<'_>,
    now: Timestamp,
    offset: i64,
    limit: i64,
) -> Result<Page<CorporateAccount>, StoreError> {
    let mut filter = Filter::default();
    reach.clause(&mut filter, "owner_org", "id");
    let listed = filter.bind(Bind::Int(now.millis()));
    filter.push(format!("listed_from <= {listed}"));
    let total = filter.count(conn, "corporate_accounts").await?;
    let items = filter
        .page(conn, "corporate_accounts", "id_number", offset, limit)
        .await?
        .iter()
        .map(account_from)
        .collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}
