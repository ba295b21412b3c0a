//! The front page of Min Bedrift with the seed's tiles; the operator's and dealers' staff land
//! on their own systems.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use sentral_services::portal::PortalUserRole;

use crate::error::PageError;
use crate::format;
use crate::i18n::Lang;
use crate::layout::Chrome;
use crate::session::LoggedIn;
use crate::{PortalState, render};

/// A front-page tile: (slug, Norwegian, English, note NO, note EN, where it leads in this product).
type TileSpec = (
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
    Option<&'static str>,
);

const TILES: &[TileSpec] = &[
    (
        "administratorer",
        "Administratorer",
        "Administrators",
        None,
        Some("/portal/administratorer"),
    ),
    (
        "nytt-abonnement",
        "Nytt abonnement eller eierskifte",
        "New subscription or change of owner",
        None,
        None,
    ),
    (
        "endre-bruker",
        "Endre bruker av abonnement",
        "Change the user of a subscription",
        None,
        None,
    ),
    (
        "send-sms",
        "Send SMS til ansatte",
        "Send SMS to employees",
        None,
        None,
    ),
    (
        "driftsmeldinger",
        "Driftsmeldinger",
        "Service messages",
        None,
        None,
    ),
    (
        "aktiver-sim",
        "Aktiver SIM-kort",
        "Activate SIM card",
        None,
        None,
    ),
    ("puk", "Finn PUK-kode", "Find PUK code", None, None),
    (
        "fakturaer",
        "Last ned fakturaer",
        "Download invoices",
        None,
        None,
    ),
    (
        "betalingsutsettelse",
        "Utsette betalingen?",
        "Postpone the payment?",
        Some((
            "Søk om ekstraordinær betalingsutsettelse",
            "Apply for an extraordinary postponement",
        )),
        None,
    ),
    (
        "mobilt-bedriftsnett",
        "Mobilt Bedriftsnett",
        "Mobilt Bedriftsnett",
        None,
        Some("/portal/avtaler"),
    ),
    (
        "avtaler",
        "Avtaler",
        "Agreements",
        None,
        Some("/portal/avtaler"),
    ),
    ("apier", "APIer", "APIs", None, Some("/portal/apier")),
    ("forbruk", "Forbruksoversikt", "Usage overview", None, None),
    (
        "iot",
        "IoT-bulkbestilling",
        "IoT bulk order",
        Some(("10 eller flere SIM-kort", "10 or more SIM cards")),
        None,
    ),
];

pub struct Tile {
    pub slug: &'static str,
    pub label: &'static str,
    pub note: Option<&'static str>,
    pub href: String,
    pub in_product: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    greeting: &'static str,
    tiles: Vec<Tile>,
}

fn greeting(lang: Lang, hour: u8) -> &'static str {
    match hour {
        5..=9 => lang.pick("God morgen", "Good morning"),
        10..=11 => lang.pick("God formiddag", "Good morning"),
        12..=17 => lang.pick("God ettermiddag", "Good afternoon"),
        _ => lang.pick("God kveld", "Good evening"),
    }
}

pub async fn front_page(
    State(state): State<PortalState>,
    user: LoggedIn,
) -> Result<Response, PageError> {
    match user.user.role {
        PortalUserRole::Operator => return Ok(Redirect::to("/portal/operator/").into_response()),
        PortalUserRole::Dealer { .. } => return Ok(Redirect::to("/forhandler/").into_response()),
        PortalUserRole::Administrator { .. } => {}
    }
    let lang = user.lang();
    let tiles = TILES
        .iter()
        .map(|(slug, no, en, note, href)| Tile {
            slug,
            label: lang.pick(*no, *en),
            note: note.map(|(no, en)| lang.pick(no, en)),
            href: href.map_or_else(|| format!("/portal/utenfor/{slug}"), str::to_owned),
            in_product: href.is_some(),
        })
        .collect();
    let page = HomePage {
        chrome: user.chrome(lang.common().front_page),
        greeting: greeting(lang, format::oslo_hour(state.platform.now())),
        tiles,
    };
    render(&page)
}

pub struct OutsideTexts {
    pub outside: &'static str,
}

#[derive(Template)]
#[template(path = "outside.html")]
struct OutsidePage {
    chrome: Chrome,
    label: &'static str,
    tr: OutsideTexts,
}

/// A tile of the real Min Bedrift that this product does not cover says so instead of breaking.
pub async fn outside_page(user: LoggedIn, Path(slug): Path<String>) -> Result<Response, PageError> {
    let lang = user.lang();
    let Some((_, no, en, _, None)) = TILES.iter().find(|tile| tile.0 == slug) else {
        return Err(PageError::NotFound);
    };
    let label = lang.pick(*no, *en);
    let page = OutsidePage {
        chrome: user.chrome(label),
        label,
        tr: OutsideTexts {
            outside: lang.pick(
                "Denne tjenesten hører til operatørens fulle Min Bedrift og er ikke en del av sentral. Her finner du Mobilt Bedriftsnett, avtaler, APIer og administratorer.",
                "This service belongs to the operator's full Min Bedrift and is not part of sentral. Here you find Mobilt Bedriftsnett, agreements, APIs and administrators.",
            ),
        },
    };
    render(&page)
}
