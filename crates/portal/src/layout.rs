//! The frame of every page: header with the menu for the visitor's role, NOR/ENG, logout.

use sentral_domain::platform::AdminRight;
use sentral_services::portal::{PortalUser, PortalUserRole};

use crate::i18n::{CommonTexts, Lang};
use crate::session::Visitor;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout template (`base.html`) needs; every page template has one as `chrome`.
pub struct Chrome {
    pub lang: Lang,
    pub tr: &'static CommonTexts,
    pub title: String,
    pub user_name: Option<String>,
    pub nav: Vec<NavItem>,
    /// The session's form token, for the logout button (empty when not logged in).
    pub csrf: String,
    /// Where NOR / ENG lead: this page in the other language.
    pub norwegian_href: String,
    pub english_href: String,
}

impl Chrome {
    pub fn new(visitor: &Visitor, title: String) -> Self {
        let tr = visitor.lang.common();
        let path = visitor.path.split('?').next().unwrap_or("/portal/");
        let here = percent_encode(&visitor.path);
        Chrome {
            lang: visitor.lang,
            tr,
            title,
            user_name: visitor.user().map(|user| user.name.clone()),
            nav: visitor
                .user()
                .map(|user| nav_for(user, tr, path))
                .unwrap_or_default(),
            csrf: visitor
                .session
                .as_ref()
                .map(|session| session.csrf_token.clone())
                .unwrap_or_default(),
            norwegian_href: format!("/portal/lang?set=no&next={here}"),
            english_href: format!("/portal/lang?set=en&next={here}"),
        }
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.html_lang()
    }

    pub fn is_english(&self) -> bool {
        self.lang == Lang::En
    }
}

fn nav_for(user: &PortalUser, tr: &'static CommonTexts, path: &str) -> Vec<NavItem> {
    let mut items: Vec<(&'static str, &'static str)> = Vec::new();
    match &user.role {
        PortalUserRole::Administrator { .. } => {
            items.push(("/portal/", tr.front_page));
            items.push(("/portal/administratorer", tr.administrators));
            if user.has_right(AdminRight::Mbn) {
                items.push(("/portal/avtaler", tr.agreements));
            }
            if user.has_right(AdminRight::Apis) {
                items.push(("/portal/apier", tr.apis));
                items.push(("/portal/developer/", tr.developer_portal));
            }
        }
        PortalUserRole::Operator => items.push(("/portal/operator/", tr.back_office)),
        PortalUserRole::Dealer { .. } => items.push(("/forhandler/", tr.dealer_system)),
    }
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: if href.ends_with('/') {
                path == href
            } else {
                path == href || path.starts_with(&format!("{href}/"))
            },
        })
        .collect()
}

/// Percent-encodes everything but unreserved characters and `/`, for a path in a query value.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A `next` target that stays on this site: a path of the portal or the dealer system.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if (path.starts_with("/portal/")
                || path == "/portal"
                || path.starts_with("/forhandler/"))
                && !path.contains("//")
                && !path.contains('\\') =>
        {
            path
        }
        _ => "/portal/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/portal/apier")), "/portal/apier");
        assert_eq!(
            safe_next(Some("/forhandler/kunde/1")),
            "/forhandler/kunde/1"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/portal/");
        assert_eq!(safe_next(Some("//evil.example/portal/")), "/portal/");
        assert_eq!(safe_next(Some("/portal//evil.example")), "/portal/");
        assert_eq!(safe_next(Some("/portal/\\evil")), "/portal/");
        assert_eq!(safe_next(None), "/portal/");
    }

    #[test]
    fn paths_are_encoded_for_a_query() {
        assert_eq!(
            percent_encode("/portal/apier?tab=produksjon"),
            "/portal/apier%3Ftab%3Dproduksjon"
        );
    }
}
