//! The catalogue's data: each subscription's option groups, the handset models and the
//! accessories (one row per line; `seed.rs` builds the tree from them).

use sentral_domain::kpn::contracting::SelectionStrategy::{self, SelectMany, SelectOne};

/// One subscription's option group: (en, nl, strategy, required, options (bs, en, nl, default,
/// monthly fee)).
pub(super) type Group<'a> = (
    &'a str,
    &'a str,
    SelectionStrategy,
    bool,
    &'a [(i64, &'a str, &'a str, bool, i64)],
);

#[rustfmt::skip]
pub(super) const SMARTPHONE: &[Group<'static>] = &[
    ("Calling", "Bellen", SelectOne, true, &[
        (2101, "Unlimited calling NL", "Onbeperkt bellen NL", true, 1500),
        (2111, "Calling 250 minutes NL", "Bellen 250 minuten NL", false, 900),
        (2112, "Calling 1000 minutes NL and EU", "Bellen 1000 minuten NL en EU", false, 1250),
    ]),
    ("Data", "Data", SelectOne, true, &[
        (2102, "Data EU 20 GB", "Data EU 20 GB", true, 1500),
        (2113, "Data EU 5 GB", "Data EU 5 GB", false, 800),
        (2114, "Data EU 50 GB", "Data EU 50 GB", false, 2200),
        (2115, "Data EU Unlimited", "Data EU Onbeperkt", false, 3000),
    ]),
    ("SIM card", "Simkaart", SelectOne, true, &[(2103, "SIM card", "Simkaart", true, 0)]),
    ("Roaming bundles", "Roamingbundels", SelectMany, false, &[
        (2121, "World Zone 1 1 GB", "Wereld Zone 1 1 GB", false, 750),
        (2122, "World Zone 1 5 GB", "Wereld Zone 1 5 GB", false, 2500),
        (2123, "World Zone 2 1 GB", "Wereld Zone 2 1 GB", false, 1500),
        (2124, "USA and Canada 2 GB", "VS en Canada 2 GB", false, 1250),
        (2125, "Calling abroad 100 minutes", "Bellen naar het buitenland 100 minuten", false, 1000),
    ]),
    ("Data usage notifications", "Datagebruikmeldingen", SelectMany, false, &[
        (2131, "Notification at 80% of the bundle", "Melding bij 80% van de bundel", false, 0),
        (2132, "Notification at 100% of the bundle", "Melding bij 100% van de bundel", false, 0),
        (2133, "Daily roaming limit EUR 50", "Dagelijkse roaminglimiet EUR 50", false, 0),
        (2134, "Stop data at the end of the bundle", "Data stoppen aan het einde van de bundel", false, 0),
    ]),
    ("Voicemail", "Voicemail", SelectOne, false, &[
        (2141, "Voicemail", "Voicemail", true, 0),
        (2142, "Business voicemail", "Zakelijke voicemail", false, 250),
        (2143, "Visual voicemail", "Visuele voicemail", false, 100),
    ]),
    ("Extra services", "Extra diensten", SelectMany, false, &[
        (2151, "MultiSIM", "MultiSIM", false, 500),
        (2152, "Caller ID withheld", "Nummerweergave onderdrukken", false, 0),
        (2153, "Fixed-mobile integration", "Vast-mobiel integratie", false, 650),
    ]),
];

#[rustfmt::skip]
pub(super) const SIM_ONLY: &[Group<'static>] = &[
    ("Calling", "Bellen", SelectOne, true, &[
        (2201, "Unlimited calling NL", "Onbeperkt bellen NL", true, 1200),
        (2202, "Calling 500 minutes NL", "Bellen 500 minuten NL", false, 700),
    ]),
    ("Data", "Data", SelectOne, true, &[
        (2203, "Data EU 10 GB", "Data EU 10 GB", true, 1000),
        (2204, "Data EU 30 GB", "Data EU 30 GB", false, 1800),
        (2205, "Data EU Unlimited", "Data EU Onbeperkt", false, 2700),
    ]),
    ("SIM card", "Simkaart", SelectOne, true, &[(2206, "SIM card", "Simkaart", true, 0)]),
    ("Roaming bundles", "Roamingbundels", SelectMany, false, &[
        (2211, "World Zone 1 1 GB", "Wereld Zone 1 1 GB", false, 750),
        (2212, "World Zone 2 1 GB", "Wereld Zone 2 1 GB", false, 1500),
    ]),
    ("Data usage notifications", "Datagebruikmeldingen", SelectMany, false, &[
        (2221, "Notification at 80% of the bundle", "Melding bij 80% van de bundel", false, 0),
        (2222, "Notification at 100% of the bundle", "Melding bij 100% van de bundel", false, 0),
    ]),
    ("Voicemail", "Voicemail", SelectOne, false, &[
        (2231, "Voicemail", "Voicemail", true, 0),
        (2232, "Business voicemail", "Zakelijke voicemail", false, 250),
    ]),
];

#[rustfmt::skip]
pub(super) const DATA_ONLY: &[Group<'static>] = &[
    ("Data", "Data", SelectOne, true, &[
        (2301, "Data NL 10 GB", "Data NL 10 GB", true, 1000),
        (2302, "Data EU 50 GB", "Data EU 50 GB", false, 2000),
        (2303, "Data EU Unlimited", "Data EU Onbeperkt", false, 3200),
    ]),
    ("SIM card", "Simkaart", SelectOne, true, &[(2304, "Data SIM card", "Datasimkaart", true, 0)]),
    ("Roaming bundles", "Roamingbundels", SelectMany, false, &[
        (2311, "World Zone 1 data 1 GB", "Wereld Zone 1 data 1 GB", false, 750),
        (2312, "World Zone 1 data 5 GB", "Wereld Zone 1 data 5 GB", false, 2500),
    ]),
    ("Data usage notifications", "Datagebruikmeldingen", SelectMany, false, &[
        (2321, "Notification at 80% of the bundle", "Melding bij 80% van de bundel", false, 0),
        (2322, "Notification at 100% of the bundle", "Melding bij 100% van de bundel", false, 0),
        (2323, "Stop data at the end of the bundle", "Data stoppen aan het einde van de bundel", false, 0),
    ]),
];

/// A handset model: (brand and model, capacities in GB, price of the smallest in cents,
/// colours en/nl, discontinued).
pub(super) type Model<'a> = (&'a str, &'a [i64], i64, &'a [(&'a str, &'a str)], bool);

#[rustfmt::skip]
pub(super) const HANDSETS: &[Model<'static>] = &[
    ("Apple iPhone 15", &[128, 256, 512], 96_900, &[("Black", "Zwart"), ("Blue", "Blauw"), ("Pink", "Roze")], false),
    ("Apple iPhone 15 Plus", &[128, 256], 109_900, &[("Black", "Zwart"), ("Yellow", "Geel")], false),
    ("Apple iPhone 15 Pro", &[128, 256, 512, 1024], 123_900, &[("Natural Titanium", "Naturel titanium"), ("Black Titanium", "Zwart titanium"), ("White Titanium", "Wit titanium")], false),
    ("Apple iPhone 15 Pro Max", &[256, 512, 1024], 148_900, &[("Natural Titanium", "Naturel titanium"), ("Blue Titanium", "Blauw titanium"), ("Black Titanium", "Zwart titanium")], false),
    ("Apple iPhone 14", &[128, 256], 84_900, &[("Midnight", "Middernacht"), ("Starlight", "Sterrenlicht")], false),
    ("Apple iPhone 13", &[128], 72_900, &[("Midnight", "Middernacht"), ("Starlight", "Sterrenlicht"), ("Red", "Rood")], false),
    ("Apple iPhone 12", &[64], 59_900, &[("Black", "Zwart")], true),
    ("Samsung Galaxy S24", &[128, 256], 89_900, &[("Onyx Black", "Onyx zwart"), ("Marble Grey", "Marmer grijs"), ("Cobalt Violet", "Kobalt violet")], false),
    ("Samsung Galaxy S24+", &[256, 512], 114_900, &[("Onyx Black", "Onyx zwart"), ("Cobalt Violet", "Kobalt violet")], false),
    ("Samsung Galaxy S24 Ultra", &[256, 512], 144_900, &[("Titanium Black", "Titanium zwart"), ("Titanium Grey", "Titanium grijs")], false),
    ("Samsung Galaxy Z Flip5", &[256, 512], 119_900, &[("Mint", "Mint"), ("Graphite", "Grafiet"), ("Lavender", "Lavendel")], false),
    ("Samsung Galaxy Z Fold5", &[256, 512], 199_900, &[("Phantom Black", "Phantom zwart"), ("Icy Blue", "IJsblauw")], false),
    ("Samsung Galaxy A55 5G", &[128, 256], 47_900, &[("Awesome Navy", "Awesome navy"), ("Awesome Iceblue", "Awesome ijsblauw")], false),
    ("Samsung Galaxy A35 5G", &[128], 37_900, &[("Awesome Navy", "Awesome navy"), ("Awesome Lilac", "Awesome lila")], false),
    ("Samsung Galaxy XCover7", &[128], 34_900, &[("Black", "Zwart")], false),
    ("Google Pixel 8", &[128, 256], 79_900, &[("Obsidian", "Obsidiaan"), ("Hazel", "Hazelaar")], false),
    ("Google Pixel 8 Pro", &[128, 256], 109_900, &[("Obsidian", "Obsidiaan"), ("Bay", "Baai")], false),
    ("Google Pixel 7a", &[128], 50_900, &[("Charcoal", "Houtskool"), ("Sea", "Zee"), ("Snow", "Sneeuw")], false),
    ("Fairphone 5", &[256], 69_900, &[("Matte Black", "Mat zwart"), ("Sky Blue", "Hemelsblauw")], false),
    ("Nokia G42 5G", &[128], 22_900, &[("So Grey", "So grijs"), ("So Purple", "So paars")], false),
    ("Motorola edge 40", &[256], 49_900, &[("Eclipse Black", "Eclipse zwart"), ("Nebula Green", "Nebula groen")], false),
];

/// Accessories: (en, nl, hardware fee in cents).
#[rustfmt::skip]
pub(super) const ACCESSORIES: &[(&str, &str, i64)] = &[
    ("Apple 20W USB-C power adapter", "Apple 20W USB-C-lichtnetadapter", 2500),
    ("Apple USB-C to Lightning cable 1 m", "Apple USB-C-naar-Lightning-kabel 1 m", 2500),
    ("Apple AirPods (3rd generation)", "Apple AirPods (3e generatie)", 19_900),
    ("Apple AirPods Pro (2nd generation)", "Apple AirPods Pro (2e generatie)", 27_900),
    ("Apple iPhone 15 Silicone Case with MagSafe", "Apple iPhone 15 siliconenhoesje met MagSafe", 5900),
    ("Apple iPhone 15 Pro Clear Case with MagSafe", "Apple iPhone 15 Pro doorzichtig hoesje met MagSafe", 5900),
    ("Samsung 25W Travel Adapter", "Samsung 25W reislader", 2500),
    ("Samsung Galaxy Buds2 Pro", "Samsung Galaxy Buds2 Pro", 22_900),
    ("Samsung Galaxy S24 Silicone Case", "Samsung Galaxy S24 siliconen hoesje", 3900),
    ("Samsung Wireless Charger Pad", "Samsung draadloze oplader", 4900),
    ("Google Pixel Buds Pro", "Google Pixel Buds Pro", 21_900),
    ("Google Pixel 8 Case", "Google Pixel 8 hoesje", 3500),
    ("ZAGG InvisibleShield Glass screen protector", "ZAGG InvisibleShield Glass schermbeschermer", 3500),
    ("Belkin BoostCharge 3-in-1 wireless charger", "Belkin BoostCharge 3-in-1 draadloze oplader", 14_900),
    ("Jabra Evolve2 65 headset", "Jabra Evolve2 65 headset", 21_900),
    ("Car holder with wireless charging", "Autohouder met draadloos laden", 4900),
    ("Power bank 10,000 mAh", "Powerbank 10.000 mAh", 2900),
];
