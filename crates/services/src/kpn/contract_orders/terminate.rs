//! Terminate a contract (`rest-contract-terminate-controller`): the order, the fee of the whole
//! months left in the contract's term, and the first date without a fee.

use sentral_domain::Timestamp;
use sentral_domain::corporate::OrderType;
use sentral_domain::kpn::contract_orders::ContractOrderChange;
use sentral_store::kpn::contract_orders::{self as repo, ContractTerms};

use super::{ContractOrderRequest, check_state};
use crate::kpn::{KpnResult, OrderSummary, invalid, reference_number, wish_date};
use crate::{Platform, Principal};

const DAY_MILLIS: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    days_from_civil(next_year, next_month, 1) - days_from_civil(year, month, 1)
}

/// `at` plus `months` calendar months (UTC), the day kept or the month's last day.
pub fn plus_months(at: Timestamp, months: i64) -> Timestamp {
    let days = at.millis().div_euclid(DAY_MILLIS);
    let time_of_day = at.millis().rem_euclid(DAY_MILLIS);
    let (year, month, day) = civil_from_days(days);
    let index = year * 12 + (month - 1) + months;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let day = day.min(days_in_month(year, month));
    Timestamp::from_millis(days_from_civil(year, month, day) * DAY_MILLIS + time_of_day)
}

/// The whole calendar months from `from` to `to` (0 when `to` is not later).
pub fn whole_months_between(from: Timestamp, to: Timestamp) -> i64 {
    if to <= from {
        return 0;
    }
    let month_index = |at: Timestamp| {
        let (year, month, _) = civil_from_days(at.millis().div_euclid(DAY_MILLIS));
        year * 12 + month
    };
    let mut months = month_index(to) - month_index(from);
    while months > 0 && plus_months(from, months) > to {
        months -= 1;
    }
    months
}

/// The end of a contract's minimum term; None when it has none.
pub fn term_end(start: Timestamp, terms: ContractTerms) -> Option<Timestamp> {
    (terms.term_months > 0).then(|| plus_months(start, terms.term_months))
}

/// The fee of terminating at `at`: the monthly fees of the whole months left in the term.
pub fn termination_fee(start: Timestamp, terms: ContractTerms, at: Timestamp) -> i64 {
    term_end(start, terms).map_or(0, |end| {
        whole_months_between(at, end) * terms.monthly_fee_cents
    })
}

/// A date-time asked about (any distance ahead; in the past means `now`).
fn asked_date(field: &str, given: Option<&str>, now: Timestamp) -> KpnResult<Timestamp> {
    let text = given
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| invalid(field, "is required"))?;
    let parsed = Timestamp::parse_rfc3339(text)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")))
        .ok_or_else(|| {
            invalid(
                field,
                format!("{text:?} is not a date-time such as 2027-03-01T00:00:00Z"),
            )
        })?;
    Ok(parsed.max(now))
}

impl Platform {
    /// `terminateUsingPOST`: the contract is CLOSED when the order finishes at its wish date.
    pub async fn kpn_terminate(
        &self,
        principal: &Principal,
        request: ContractOrderRequest,
    ) -> KpnResult<OrderSummary> {
        let (customer, contract) = self
            .contract_for_order(principal, request.contract_id, true)
            .await?;
        let reference = reference_number(request.reference_number.as_deref())?;
        let starts_at = wish_date(request.wish_date.as_deref(), self.now())?;
        check_state(&contract, "terminateContract")?;
        self.place_contract_order(
            principal,
            &customer,
            &contract,
            OrderType::TerminateContract,
            ContractOrderChange::Terminate,
            reference,
            starts_at,
        )
        .await
    }

    /// `getTerminationFeeUsingGET`: the fee in cents of terminating at `wish_date`.
    pub async fn kpn_termination_fee(
        &self,
        principal: &Principal,
        contract_id: Option<i64>,
        wish_date: Option<String>,
    ) -> KpnResult<i64> {
        let (_, contract) = self
            .contract_for_order(principal, contract_id, false)
            .await?;
        let at = asked_date("wishDate", wish_date.as_deref(), self.now())?;
        let terms = self.contract_terms(contract.id).await?;
        Ok(termination_fee(contract.start_at, terms, at))
    }

    /// `getMinFreeTerminationDateUsingGET`: the end of the contract's term, or now when it has
    /// none or it has passed.
    pub async fn kpn_min_termination_date(
        &self,
        principal: &Principal,
        contract_id: Option<i64>,
    ) -> KpnResult<Timestamp> {
        let (_, contract) = self
            .contract_for_order(principal, contract_id, false)
            .await?;
        let terms = self.contract_terms(contract.id).await?;
        let now = self.now();
        Ok(term_end(contract.start_at, terms).map_or(now, |end| end.max(now)))
    }

    async fn contract_terms(&self, contract_id: i64) -> KpnResult<ContractTerms> {
        let mut conn = self.store.read().await?;
        Ok(repo::contract_terms(&mut conn, contract_id)
            .await?
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn months_are_added_by_the_calendar() {
        assert_eq!(
            plus_months(at("2024-01-01T00:00:00Z"), 36),
            at("2027-01-01T00:00:00Z")
        );
        assert_eq!(
            plus_months(at("2024-01-31T10:30:00Z"), 1),
            at("2024-02-29T10:30:00Z")
        );
        assert_eq!(
            plus_months(at("2024-11-15T00:00:00Z"), 2),
            at("2025-01-15T00:00:00Z")
        );
    }

    #[test]
    fn only_whole_months_count() {
        let end = at("2027-01-01T00:00:00Z");
        assert_eq!(whole_months_between(at("2026-12-02T00:00:00Z"), end), 0);
        assert_eq!(whole_months_between(at("2026-12-01T00:00:00Z"), end), 1);
        assert_eq!(whole_months_between(at("2026-03-15T00:00:00Z"), end), 9);
        assert_eq!(whole_months_between(end, at("2026-03-15T00:00:00Z")), 0);
    }

    #[test]
    fn the_fee_is_the_months_left_in_the_term() {
        let start = at("2024-01-01T00:00:00Z");
        let terms = ContractTerms {
            term_months: 36,
            monthly_fee_cents: 2_500,
        };
        assert_eq!(
            termination_fee(start, terms, at("2026-10-01T00:00:00Z")),
            7_500
        );
        assert_eq!(termination_fee(start, terms, at("2027-02-01T00:00:00Z")), 0);
        let no_term = ContractTerms {
            term_months: 0,
            monthly_fee_cents: 2_500,
        };
        assert_eq!(termination_fee(start, no_term, start), 0);
    }
}
