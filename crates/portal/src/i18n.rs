//! Norwegian and English. Each page module keeps its own texts as a struct with one constant
//! per language, so a text missing in one language does not compile; the layout's are here.

use axum::http::HeaderMap;

use crate::session::cookie;

/// The language cookie: remembered after the visitor toggles NOR/ENG.
pub const LANG_COOKIE: &str = "sentral-lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    No,
    En,
}

impl Lang {
    pub const fn code(self) -> &'static str {
        match self {
            Lang::No => "no",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub const fn html_lang(self) -> &'static str {
        match self {
            Lang::No => "nb",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "no" | "nb" | "nn" | "nor" => Some(Lang::No),
            "en" | "eng" => Some(Lang::En),
            _ => None,
        }
    }

    /// The remembered choice, else the browser's first preference between Norwegian and
    /// English, else Norwegian.
    pub fn of_request(headers: &HeaderMap) -> Self {
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
            return lang;
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let mut best: Option<(Lang, f32)> = None;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let quality = pieces
                .find_map(|piece| piece.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            if let Some(lang) = Lang::parse(primary)
                && best.is_none_or(|(_, q)| quality > q)
            {
                best = Some((lang, quality));
            }
        }
        best.map_or(Lang::No, |(lang, _)| lang)
    }

    /// Picks this language's one of two texts.
    pub const fn pick<T: Copy>(self, no: T, en: T) -> T {
        match self {
            Lang::No => no,
            Lang::En => en,
        }
    }
}

/// The layout's texts: header, menu, footer, and the pages every visitor can reach.
#[derive(Debug)]
pub struct CommonTexts {
    pub product: &'static str,
    pub menu: &'static str,
    pub front_page: &'static str,
    pub administrators: &'static str,
    pub agreements: &'static str,
    pub apis: &'static str,
    pub developer_portal: &'static str,
    pub back_office: &'static str,
    pub dealer_system: &'static str,
    pub log_out: &'static str,
    pub logged_in_as: &'static str,
    pub skip_to_content: &'static str,
    pub switch_language: &'static str,
    pub help: &'static str,
    pub error_title: &'static str,
    pub back_to_front_page: &'static str,
    pub not_found: &'static str,
    pub forbidden: &'static str,
    pub bad_request: &'static str,
    pub bad_form: &'static str,
    pub unavailable: &'static str,
    pub internal: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub ok: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
}

pub const COMMON_NO: CommonTexts = CommonTexts {
    product: "Min Bedrift",
    menu: "Meny",
    front_page: "Forsiden",
    administrators: "Administratorer",
    agreements: "Avtaler",
    apis: "APIer",
    developer_portal: "Developer Portal",
    back_office: "Operatørens administrasjon",
    dealer_system: "Forhandlersystemet",
    log_out: "Logg ut",
    logged_in_as: "Innlogget som",
    skip_to_content: "Gå til innholdet",
    switch_language: "Språk",
    help: "Vi hjelper deg!",
    error_title: "Noe gikk galt",
    back_to_front_page: "Tilbake til forsiden",
    not_found: "Siden finnes ikke, eller du har ikke tilgang til den.",
    forbidden: "Du har ikke rettigheter til denne siden eller handlingen.",
    bad_request: "Forespørselen kunne ikke behandles",
    bad_form: "Skjemaet er utløpt eller kom ikke fra denne siden. Last siden på nytt og prøv igjen.",
    unavailable: "Tjenesten er midlertidig utilgjengelig. Prøv igjen om litt.",
    internal: "En feil oppstod hos oss. Prøv igjen, og kontakt oss om det gjentar seg.",
    save: "Lagre",
    cancel: "Avbryt",
    ok: "OK",
    yes: "Ja",
    no: "Nei",
};

pub const COMMON_EN: CommonTexts = CommonTexts {
    product: "Min Bedrift",
    menu: "Menu",
    front_page: "Front page",
    administrators: "Administrators",
    agreements: "Agreements",
    apis: "APIs",
    developer_portal: "Developer Portal",
    back_office: "Operator back office",
    dealer_system: "Dealer ordering system",
    log_out: "Log out",
    logged_in_as: "Logged in as",
    skip_to_content: "Skip to content",
    switch_language: "Language",
    help: "We can help!",
    error_title: "Something went wrong",
    back_to_front_page: "Back to the front page",
    not_found: "The page does not exist, or you have no access to it.",
    forbidden: "You do not have the rights for this page or action.",
    bad_request: "The request could not be handled",
    bad_form: "The form has expired or did not come from this site. Reload the page and try again.",
    unavailable: "The service is unavailable for a moment. Try again shortly.",
    internal: "Something failed on our side. Try again, and contact us if it happens again.",
    save: "Save",
    cancel: "Cancel",
    ok: "OK",
    yes: "Yes",
    no: "No",
};

impl Lang {
    pub const fn common(self) -> &'static CommonTexts {
        match self {
            Lang::No => &COMMON_NO,
            Lang::En => &COMMON_EN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(accept: &str, cookie: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", HeaderValue::from_str(accept).unwrap());
        if let Some(cookie) = cookie {
            headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        headers
    }

    #[test]
    fn the_browsers_preference_decides_the_first_time_and_the_cookie_afterwards() {
        assert_eq!(
            Lang::of_request(&headers("en-GB,en;q=0.9,nb;q=0.8", None)),
            Lang::En
        );
        assert_eq!(
            Lang::of_request(&headers("nb-NO,nb;q=0.9,en;q=0.8", None)),
            Lang::No
        );
        assert_eq!(Lang::of_request(&headers("de-DE,de;q=0.9", None)), Lang::No);
        assert_eq!(
            Lang::of_request(&headers("de;q=1, en;q=0.5, nn;q=0.7", None)),
            Lang::No
        );
        assert_eq!(
            Lang::of_request(&headers("en-GB", Some("a=b; sentral-lang=no"))),
            Lang::No
        );
    }
}
