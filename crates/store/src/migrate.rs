//! Embedded migrations, run at start-up. Each runs in its own transaction; on PostgreSQL an
//! advisory lock keeps two nodes that start together from running them twice.

use crate::db::{query, raw_sql};
use crate::{Backend, Store, StoreError};

/// A migration's SQL: the same text on both backends, or one text per backend (for what only one
/// of them has, such as SQLite's FTS5 or PostgreSQL's extensions).
enum MigrationSql {
    Both(&'static str),
    PerBackend {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

impl MigrationSql {
    fn for_backend(&self, backend: Backend) -> &'static str {
        match (self, backend) {
            (MigrationSql::Both(sql), _) => sql,
            (MigrationSql::PerBackend { sqlite, .. }, Backend::Sqlite) => sqlite,
            (MigrationSql::PerBackend { postgres, .. }, Backend::Postgres) => postgres,
        }
    }
}

use MigrationSql::{Both, PerBackend};

const MIGRATIONS: &[(i64, &str, MigrationSql)] = &[
    (
        1,
        "platform",
        Both(include_str!("../migrations/0001_platform.sql")),
    ),
    (
        2,
        "corporate",
        Both(include_str!("../migrations/0002_corporate.sql")),
    ),
    (
        3,
        "directory",
        Both(include_str!("../migrations/0003_directory.sql")),
    ),
    (
        4,
        "redirect-uris",
        Both(include_str!("../migrations/0004_redirect_uris.sql")),
    ),
    (
        5,
        "queues",
        Both(include_str!("../migrations/0005_queues.sql")),
    ),
    (
        6,
        "member-search",
        Both(include_str!("../migrations/0006_member_search.sql")),
    ),
    (
        7,
        "terminals",
        Both(include_str!("../migrations/0007_terminals.sql")),
    ),
    (
        8,
        "subscription-reference-search",
        Both(include_str!(
            "../migrations/0008_subscription_reference_search.sql"
        )),
    ),
    (
        9,
        "trigram-search",
        PerBackend {
            sqlite: include_str!("../migrations/0009_trigram_search.sqlite.sql"),
            postgres: include_str!("../migrations/0009_trigram_search.postgres.sql"),
        },
    ),
    (
        10,
        "account-documents",
        Both(include_str!("../migrations/0010_account_documents.sql")),
    ),
    (
        11,
        "subscription-search",
        PerBackend {
            sqlite: include_str!("../migrations/0011_subscription_search.sqlite.sql"),
            postgres: include_str!("../migrations/0011_subscription_search.postgres.sql"),
        },
    ),
    (
        12,
        "subscription-status-search",
        Both(include_str!(
            "../migrations/0012_subscription_status_search.sql"
        )),
    ),
    (13, "kpn", Both(include_str!("../migrations/0013_kpn.sql"))),
    (
        14,
        "kpn-shared-domain",
        Both(include_str!("../migrations/0014_kpn_shared_domain.sql")),
    ),
    (
        15,
        "kpn-search",
        PerBackend {
            sqlite: include_str!("../migrations/0015_kpn_search.sqlite.sql"),
            postgres: include_str!("../migrations/0015_kpn_search.postgres.sql"),
        },
    ),
    (
        16,
        "kpn-employee-number-search",
        PerBackend {
            sqlite: include_str!("../migrations/0016_kpn_employee_number_search.sqlite.sql"),
            postgres: include_str!("../migrations/0016_kpn_employee_number_search.postgres.sql"),
        },
    ),
    (
        17,
        "kpn-order-hold",
        Both(include_str!("../migrations/0017_kpn_order_hold.sql")),
    ),
    (
        18,
        "kpn-shared-links",
        Both(include_str!("../migrations/0018_kpn_shared_links.sql")),
    ),
    (
        19,
        "kpn-links-stale",
        PerBackend {
            sqlite: include_str!("../migrations/0019_kpn_links_stale.sqlite.sql"),
            postgres: include_str!("../migrations/0019_kpn_links_stale.postgres.sql"),
        },
    ),
    (
        20,
        "kpn-addresses",
        Both(include_str!("../migrations/0020_kpn_addresses.sql")),
    ),
    (
        21,
        "kpn-contracting",
        Both(include_str!("../migrations/0021_kpn_contracting.sql")),
    ),
    (
        22,
        "kpn-contract-orders",
        Both(include_str!("../migrations/0022_kpn_contract_orders.sql")),
    ),
    (
        23,
        "kpn-users",
        Both(include_str!("../migrations/0023_kpn_users.sql")),
    ),
    (
        24,
        "kpn-thresholds",
        Both(include_str!("../migrations/0024_kpn_thresholds.sql")),
    ),
    (
        25,
        "kpn-finances",
        Both(include_str!("../migrations/0025_kpn_finances.sql")),
    ),
    (
        26,
        "kpn-voicemail",
        Both(include_str!("../migrations/0026_kpn_voicemail.sql")),
    ),
    (
        27,
        "cluster-leases",
        Both(include_str!("../migrations/0027_cluster_leases.sql")),
    ),
    (
        28,
        "webhook-outbox",
        Both(include_str!("../migrations/0028_webhook_outbox.sql")),
    ),
    (
        29,
        "telephony-journal",
        Both(include_str!("../migrations/0029_telephony_journal.sql")),
    ),
    (
        30,
        "read-path-indexes",
        Both(include_str!("../migrations/0030_read_path_indexes.sql")),
    ),
    (
        31,
        "csta-sessions",
        Both(include_str!("../migrations/0031_csta_sessions.sql")),
    ),
    (
        32,
        "contact-counts",
        PerBackend {
            sqlite: include_str!("../migrations/0032_contact_counts.sqlite.sql"),
            postgres: include_str!("../migrations/0032_contact_counts.postgres.sql"),
        },
    ),
    (
        33,
        "portal",
        Both(include_str!("../migrations/0033_portal.sql")),
    ),
    (
        34,
        "client-secrets",
        Both(include_str!("../migrations/0034_client_secrets.sql")),
    ),
    (
        36,
        "back-office-dealer",
        Both(include_str!("../migrations/0036_back_office_dealer.sql")),
    ),
    (
        37,
        "member-counts",
        PerBackend {
            sqlite: include_str!("../migrations/0037_member_counts.sqlite.sql"),
            postgres: include_str!("../migrations/0037_member_counts.postgres.sql"),
        },
    ),
    (
        38,
        "account-counts",
        PerBackend {
            sqlite: include_str!("../migrations/0038_account_counts.sqlite.sql"),
            postgres: include_str!("../migrations/0038_account_counts.postgres.sql"),
        },
    ),
    (
        39,
        "contact-documents",
        PerBackend {
            sqlite: include_str!("../migrations/0039_contact_documents.sqlite.sql"),
            postgres: include_str!("../migrations/0039_contact_documents.postgres.sql"),
        },
    ),
    (
        40,
        "member-documents",
        PerBackend {
            sqlite: include_str!("../migrations/0040_member_documents.sqlite.sql"),
            postgres: include_str!("../migrations/0040_member_documents.postgres.sql"),
        },
    ),
    (
        41,
        "subscription-documents",
        PerBackend {
            sqlite: include_str!("../migrations/0041_subscription_documents.sqlite.sql"),
            postgres: include_str!("../migrations/0041_subscription_documents.postgres.sql"),
        },
    ),
];

/// Tables of constants that migrations fill and nothing writes afterwards: a reset keeps them.
pub const CONSTANT_TABLES: &[&str] = &["kpn_suffix_positions"];

/// Every table, children before parents: the order in which a reset empties them.
pub const ALL_TABLES: &[&str] = &[
    // First: an engine mid-write holds its lease's row, so its journal entry commits before the
    // journal is emptied, or its fence finds no lease after (a sandbox reset under a cluster).
    "cluster_leases",
    "csta_sessions",
    "portal_sessions",
    "verification_answers",
    "customer_profiles",
    "telephony_journal",
    "telephony_snapshots",
    "webhook_outbox",
    "webhook_targets",
    "memberline_terminals",
    "queue_agents",
    "queues",
    "call_forwarding",
    "absences",
    "contact_purges",
    "contact_counts",
    "member_counts",
    "contacts",
    "short_numbers",
    "numbering_ranges",
    "subscription_product_counts",
    "subscription_counts",
    "subscription_products",
    "kpn_acting_users",
    "kpn_managed_groups",
    "kpn_user_roles",
    "kpn_users",
    "kpn_grip_entities",
    "kpn_roles",
    "kpn_attachments",
    "kpn_hardware_returns",
    "kpn_hardware_enrolments",
    "kpn_debtor_enrolment_ids",
    "kpn_invoice_lines",
    "kpn_invoices",
    "kpn_bvm_subscriptions",
    "kpn_threshold_contracts",
    "kpn_thresholds",
    "kpn_order_authorizations",
    "kpn_orders",
    "kpn_basket_sessions",
    "kpn_templates",
    "kpn_number_pool",
    "kpn_catalogue_nodes",
    "kpn_addresses",
    "kpn_contract_counts",
    "kpn_subscriber_counts",
    "kpn_employee_number_suffixes",
    "kpn_contracts",
    "kpn_items",
    "kpn_customers",
    "kpn_privileges",
    "corporate_orders",
    "mobile_subscriptions",
    "agreement_products",
    "account_counts",
    "corporate_accounts",
    "address_cards",
    "counters",
    "audit_log",
    "sms_outbox",
    "quota_usage",
    "settings",
    "authorization_codes",
    "tokens",
    "system_user_grants",
    "system_users",
    "agreement_connect_products",
    "connect_services",
    "client_credentials",
    "members",
    "enterprise_groups",
    "enterprises",
    "agreements",
    "portal_logins",
    "administrators",
    "applications",
    "partners",
    "organizations",
];

/// An arbitrary constant naming sentral's migration lock among PostgreSQL advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x005e_47a1_0001;

pub async fn run(store: &Store) -> Result<(), StoreError> {
    let backend = store.backend();
    let mut tx = store.write().await?;
    if backend == Backend::Postgres {
        query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut tx)
            .await?;
    }
    raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL)",
    )
    .execute(&mut tx)
    .await?;
    tx.commit().await?;

    for (version, name, sql) in MIGRATIONS {
        let (version, name, sql) = (*version, *name, sql.for_backend(backend));
        let mut tx = store.write().await?;
        if backend == Backend::Postgres {
            query("SELECT pg_advisory_xact_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut tx)
                .await?;
        }
        let applied = query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(version)
            .fetch_one(&mut tx)
            .await?
            .try_get::<i64, _>("n")?;
        if applied > 0 {
            continue;
        }
        raw_sql(sql)
            .execute(&mut tx)
            .await
            .map_err(|error| match error {
                StoreError::Database(source) => StoreError::Migration { version, source },
                other => other,
            })?;
        query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
            .bind(version)
            .bind(name)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}
