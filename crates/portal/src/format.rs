//! Dates, times and amounts the Norwegian way: `02.11.21`, `02.11.21 14:05`, `6 000,-`.

use sentral_domain::Timestamp;
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

/// Norway's offset at `at`: CET, or CEST from the last Sunday of March to the last Sunday of
/// October (01:00 UTC both), as the EU rule has it.
fn oslo_offset(at: OffsetDateTime) -> UtcOffset {
    let year = at.year();
    let starts = last_sunday(year, Month::March);
    let ends = last_sunday(year, Month::October);
    let summer = at >= starts && at < ends;
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn last_sunday(year: i32, month: Month) -> OffsetDateTime {
    let last_day = Date::from_calendar_date(year, month, 31)
        .or_else(|_| Date::from_calendar_date(year, month, 30))
        .unwrap_or(Date::MIN);
    let back = i64::from(last_day.weekday().number_days_from_sunday());
    let sunday = last_day - Duration::days(back);
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    sunday.midnight().assume_utc() + Duration::hours(1)
}

fn oslo(at: Timestamp) -> OffsetDateTime {
    let utc = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.millis()) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.to_offset(oslo_offset(utc))
}

/// `02.11.21`
pub fn date(at: Timestamp) -> String {
    let local = oslo(at);
    format!(
        "{:02}.{:02}.{:02}",
        local.day(),
        u8::from(local.month()),
        local.year().rem_euclid(100)
    )
}

/// `02.11.21 14:05`
pub fn date_time(at: Timestamp) -> String {
    let local = oslo(at);
    format!("{} {:02}:{:02}", date(at), local.hour(), local.minute())
}

/// The hour in Norway, for the greeting.
pub fn oslo_hour(at: Timestamp) -> u8 {
    oslo(at).hour()
}

/// `6 000,-`: whole kroner with a space between thousands.
pub fn nok(kroner: u32) -> String {
    let digits = kroner.to_string();
    let mut grouped = String::with_capacity(digits.len() + 4);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    grouped.push_str(",-");
    grouped
}

/// An ISO date (`2024-01-01`, as agreements keep it) as `01.01.24`; other text unchanged.
pub fn iso_date(text: &str) -> String {
    let mut parts = text.split('-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(year), Some(month), Some(day)) if year.len() == 4 && month.len() == 2 => {
            format!("{}.{}.{}", &day[..day.len().min(2)], month, &year[2..])
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn dates_are_day_month_two_digit_year_in_norwegian_time() {
        assert_eq!(date(at("2021-11-02T10:00:00Z")), "02.11.21");
        // 23:30 UTC in winter is already the next day in Oslo.
        assert_eq!(date(at("2021-11-02T23:30:00Z")), "03.11.21");
        assert_eq!(date_time(at("2021-11-02T13:05:00Z")), "02.11.21 14:05");
        // Summer time: UTC+2.
        assert_eq!(date_time(at("2022-06-01T13:05:00Z")), "01.06.22 15:05");
        // The switch: 2022-03-27 01:00 UTC.
        assert_eq!(date_time(at("2022-03-27T00:59:00Z")), "27.03.22 01:59");
        assert_eq!(date_time(at("2022-03-27T01:00:00Z")), "27.03.22 03:00");
    }

    #[test]
    fn amounts_group_thousands_with_a_space_and_end_with_a_dash() {
        assert_eq!(nok(6000), "6 000,-");
        assert_eq!(nok(20000), "20 000,-");
        assert_eq!(nok(0), "0,-");
        assert_eq!(nok(999), "999,-");
        assert_eq!(nok(1_234_567), "1 234 567,-");
    }

    #[test]
    fn iso_dates_become_norwegian() {
        assert_eq!(iso_date("2011-02-14"), "14.02.11");
        assert_eq!(iso_date("soon"), "soon");
    }
}
