//! The list parameters every KPN list shares: `order`, `sortBy` and the `filters` DSL, each
//! checked into its typed form (a bad value is a 400 naming the parameter).

use sentral_domain::kpn::{Filters, SortOrder};

use super::{KpnResult, invalid};

pub(crate) fn parse_order(text: Option<&str>) -> KpnResult<SortOrder> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(SortOrder::Asc),
        Some(text) => SortOrder::parse(text)
            .ok_or_else(|| invalid("order", format!("must be ASC or DESC, got {text:?}"))),
    }
}

pub(crate) fn parse_sort(text: Option<&str>, valid: &[&str]) -> KpnResult<Option<String>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => {
            let upper = text.to_ascii_uppercase();
            if valid.contains(&upper.as_str()) {
                Ok(Some(upper))
            } else {
                Err(invalid(
                    "sortBy",
                    format!("must be one of {}, got {text:?}", valid.join(", ")),
                ))
            }
        }
    }
}

pub(crate) fn parse_filters(text: Option<&str>, valid: &[&'static str]) -> KpnResult<Filters> {
    Filters::parse(text.unwrap_or_default(), valid).map_err(|e| invalid("filters", e.to_string()))
}
