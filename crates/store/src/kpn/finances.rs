//! Invoices, their lines, and the billing retention period.
