//! pgvet against squawk's documented behaviour.
//!
//! Each case is a single migration file in squawk's default world: no
//! transaction around the file, every table and other object it names
//! that the file did not make or drop already exists (`assume_existing`),
//! PostgreSQL 15. Cases marked `InTx` use squawk's
//! `assume-in-transaction` mode, which is pgvet's per-file transaction.
//! The SQL is written for this test; what it embodies comes from the rule
//! pages of squawk's documentation; where a page is silent (the two domain
//! rules), from its changelog and the examples in the rule's own tests.
//!
//! `CASES` must agree with squawk. `DEPARTURES` are places where pgvet
//! decides differently on purpose; they are asserted the other way round so
//! that the difference stays deliberate.

use std::collections::BTreeMap;

use pgvet::catalog::Platform;
use pgvet::config::{Config, TransactionMode};
use pgvet::Settings;

/// How squawk would be run for a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// squawk's defaults.
    Plain,
    /// `--assume-in-transaction`.
    InTx,
    /// The bigint rules with `columns: all`, which is squawk's behaviour.
    AllColumns,
    /// `--pg-version 11`.
    Pg11,
}

use Mode::{AllColumns, InTx, Pg11, Plain};

/// The squawk rule ids pgvet shares, plus squawk's alias spelling.
const SHARED: &[&str] = &[
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
    "constraint-missing-not-valid",
    "adding-foreign-key-constraint",
    "adding-field-with-default",
    "adding-required-field",
    "adding-not-nullable-field",
    "changing-column-type",
    "renaming-column",
    "renaming-table",
    "ban-drop-column",
    "ban-drop-table",
    "ban-drop-database",
    "ban-drop-not-null",
    "disallowed-unique-constraint",
    "adding-serial-primary-key-field",
    "ban-char-field",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-text-field",
    "prefer-timestamptz",
    "prefer-timestamp-tz",
    "prefer-robust-stmts",
    "transaction-nesting",
    "ban-concurrent-index-creation-in-transaction",
    "require-timeout-settings",
    "ban-alter-domain-with-add-constraint",
    "ban-create-domain-with-constraint",
    "ban-truncate-cascade",
    "ban-uncommitted-transaction",
    // squawk 2.64-2.70's drop, move and rename rules.
    "ban-drop-view",
    "ban-drop-function",
    "ban-drop-type",
    "ban-drop-schema",
    "ban-drop-sequence",
    "ban-drop-domain",
    "ban-drop-extension",
    "ban-drop-constraint",
    "ban-drop-default",
    "ban-drop-generated-expression",
    "ban-set-schema",
    "ban-alter-identity",
    "renaming-object",
    // squawk 2.70's two halves of require-timeout-settings, and its
    // REINDEX, DETACH PARTITION, name length and duplicate assignment rules.
    "require-lock-timeout",
    "require-statement-timeout",
    "require-concurrent-reindex",
    "require-concurrent-partition-detach",
    "identifier-too-long",
    "ban-duplicate-column-assignments",
    "require-enum-value-ordering",
    "require-table-schema",
    // squawk 2.70's opt-in rules about changes existing clients notice
    // (off by default in both).
    "ban-drop-trigger",
    "ban-drop-index",
    "ban-drop-policy",
    "ban-revoke",
    "ban-create-policy",
    "ban-alter-policy-condition",
    "ban-alter-policy-roles",
    "ban-alter-row-level-security",
    "ban-disable-trigger",
    "ban-new-write-restriction",
    "ban-add-enum-value",
    "ban-add-column",
    "ban-add-composite-attribute",
    "ban-set-default",
    "ban-replace-view-function",
    "ban-alter-function-options",
    "ban-alter-view-options",
    "ban-alter-sequence-values",
    "ban-alter-generated-expression",
    "ban-replica-identity",
    "ban-detach-inheritance",
    "ban-alter-extension",
    "ban-alter-role-options",
    "ban-alter-database-options",
    "ban-alter-system-options",
];

/// (rule, mode, sql, squawk reports it)
const CASES: &[(&str, Mode, &str, bool)] = &[
    // require-concurrent-index-creation: a plain CREATE INDEX blocks writes;
    // CONCURRENTLY is the fix; a table created in the same transaction is
    // exempt.
    (
        "require-concurrent-index-creation",
        Plain,
        "CREATE INDEX orders_customer_idx ON orders (customer_id);",
        true,
    ),
    (
        "require-concurrent-index-creation",
        Plain,
        "CREATE UNIQUE INDEX orders_ref_key ON orders (external_ref);",
        true,
    ),
    (
        "require-concurrent-index-creation",
        Plain,
        "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
        false,
    ),
    (
        "require-concurrent-index-creation",
        Plain,
        "BEGIN;
         CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);
         CREATE INDEX shipments_order_idx ON shipments (order_id);
         COMMIT;",
        false,
    ),
    (
        "require-concurrent-index-creation",
        InTx,
        "CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);
         CREATE INDEX shipments_order_idx ON shipments (order_id);",
        false,
    ),
    // require-concurrent-index-deletion
    (
        "require-concurrent-index-deletion",
        Plain,
        "DROP INDEX orders_customer_idx;",
        true,
    ),
    (
        "require-concurrent-index-deletion",
        Plain,
        "DROP INDEX IF EXISTS orders_customer_idx;",
        true,
    ),
    (
        "require-concurrent-index-deletion",
        Plain,
        "DROP INDEX CONCURRENTLY orders_customer_idx;",
        false,
    ),
    // constraint-missing-not-valid: NOT VALID now, VALIDATE later; a
    // VALIDATE in the same transaction as the NOT VALID add is reported.
    (
        "constraint-missing-not-valid",
        Plain,
        "ALTER TABLE wallets ADD CONSTRAINT wallets_balance_nonneg CHECK (balance >= 0);",
        true,
    ),
    (
        "constraint-missing-not-valid",
        Plain,
        "ALTER TABLE wallets ADD CONSTRAINT wallets_balance_nonneg CHECK (balance >= 0) NOT VALID;",
        false,
    ),
    // SELECT ... INTO makes a table; ROLLBACK takes back what its
    // transaction made.
    (
        "constraint-missing-not-valid",
        Plain,
        "BEGIN;
         SELECT id, balance INTO wallet_copy FROM wallets;
         ALTER TABLE wallet_copy ADD CONSTRAINT wallet_copy_balance_nonneg CHECK (balance >= 0);
         COMMIT;",
        false,
    ),
    (
        "constraint-missing-not-valid",
        Plain,
        "BEGIN;
         CREATE TABLE coupons (code text);
         ROLLBACK;
         ALTER TABLE coupons ADD CONSTRAINT coupons_code_nonempty CHECK (code <> '');",
        true,
    ),
    (
        "constraint-missing-not-valid",
        Plain,
        "ALTER TABLE wallets ADD CONSTRAINT wallets_balance_nonneg CHECK (balance >= 0) NOT VALID;
         ALTER TABLE wallets VALIDATE CONSTRAINT wallets_balance_nonneg;",
        false,
    ),
    (
        "constraint-missing-not-valid",
        Plain,
        "BEGIN;
         ALTER TABLE wallets ADD CONSTRAINT wallets_balance_nonneg CHECK (balance >= 0) NOT VALID;
         ALTER TABLE wallets VALIDATE CONSTRAINT wallets_balance_nonneg;
         COMMIT;",
        true,
    ),
    (
        "constraint-missing-not-valid",
        InTx,
        "ALTER TABLE wallets ADD CONSTRAINT wallets_balance_nonneg CHECK (balance >= 0) NOT VALID;
         ALTER TABLE wallets VALIDATE CONSTRAINT wallets_balance_nonneg;",
        true,
    ),
    // adding-foreign-key-constraint: NOT VALID then VALIDATE on an existing
    // table; a key declared in CREATE TABLE needs nothing.
    (
        "adding-foreign-key-constraint",
        Plain,
        "ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fk
           FOREIGN KEY (customer_id) REFERENCES customers (id);",
        true,
    ),
    (
        "adding-foreign-key-constraint",
        Plain,
        "ALTER TABLE invoices ADD COLUMN customer_id bigint DEFAULT 1 REFERENCES customers (id);",
        true,
    ),
    (
        "adding-foreign-key-constraint",
        Plain,
        "ALTER TABLE invoices ADD CONSTRAINT invoices_customer_fk
           FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
         ALTER TABLE invoices VALIDATE CONSTRAINT invoices_customer_fk;",
        false,
    ),
    (
        "adding-foreign-key-constraint",
        Plain,
        "CREATE TABLE invoice_lines (
           id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           invoice_id bigint NOT NULL,
           CONSTRAINT invoice_lines_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoices (id)
         );",
        false,
    ),
    // adding-field-with-default: volatile defaults and stored generated
    // columns rewrite the table; a constant default does not (PG 11+), and
    // neither does setting the default after adding the column.
    (
        "adding-field-with-default",
        Plain,
        "ALTER TABLE accounts ADD COLUMN sample_bucket double precision DEFAULT random();",
        true,
    ),
    (
        "adding-field-with-default",
        Plain,
        "ALTER TABLE accounts ADD COLUMN name_upper text GENERATED ALWAYS AS (upper(name)) STORED;",
        true,
    ),
    (
        "adding-field-with-default",
        Plain,
        "ALTER TABLE accounts ADD COLUMN credit_limit integer DEFAULT 500;",
        false,
    ),
    (
        "adding-field-with-default",
        Plain,
        "ALTER TABLE accounts ADD COLUMN sample_bucket double precision;
         ALTER TABLE accounts ALTER COLUMN sample_bucket SET DEFAULT random();",
        false,
    ),
    // adding-required-field: NOT NULL without a default fails on a table
    // with rows; nullable, or NOT NULL with a default, is fine; so is a
    // generated column (squawk 1.5.0).
    (
        "adding-required-field",
        Plain,
        "ALTER TABLE recipes ADD COLUMN is_public boolean NOT NULL;",
        true,
    ),
    (
        "adding-required-field",
        Plain,
        "ALTER TABLE recipes ADD COLUMN is_public boolean;",
        false,
    ),
    (
        "adding-required-field",
        Plain,
        "ALTER TABLE recipes ADD COLUMN is_public boolean NOT NULL DEFAULT false;",
        false,
    ),
    (
        "adding-required-field",
        Plain,
        "ALTER TABLE recipes ADD COLUMN total_minutes integer NOT NULL
           GENERATED ALWAYS AS (prep_minutes + cook_minutes) STORED;",
        false,
    ),
    // adding-not-nullable-field: SET NOT NULL scans under ACCESS EXCLUSIVE,
    // unless a validated CHECK (col IS NOT NULL) lets PG 12+ skip it.
    // Adding a NOT NULL column is no longer this rule's business.
    (
        "adding-not-nullable-field",
        Plain,
        "ALTER TABLE recipes ALTER COLUMN view_count SET NOT NULL;",
        true,
    ),
    (
        "adding-not-nullable-field",
        Plain,
        "ALTER TABLE recipes ADD CONSTRAINT view_count_not_null
           CHECK (view_count IS NOT NULL) NOT VALID;
         ALTER TABLE recipes ALTER COLUMN view_count SET NOT NULL;",
        true,
    ),
    (
        "adding-not-nullable-field",
        Plain,
        "ALTER TABLE recipes ADD CONSTRAINT view_count_not_null
           CHECK (view_count IS NOT NULL) NOT VALID;
         ALTER TABLE recipes VALIDATE CONSTRAINT view_count_not_null;
         ALTER TABLE recipes ALTER COLUMN view_count SET NOT NULL;",
        false,
    ),
    (
        "adding-not-nullable-field",
        Plain,
        "ALTER TABLE recipes ADD COLUMN servings integer NOT NULL DEFAULT 2;",
        false,
    ),
    // changing-column-type
    (
        "changing-column-type",
        Plain,
        "ALTER TABLE users ALTER COLUMN login_count TYPE bigint;",
        true,
    ),
    (
        "changing-column-type",
        Plain,
        "ALTER TABLE users ALTER COLUMN bio TYPE text USING bio::text;",
        true,
    ),
    (
        "changing-column-type",
        Plain,
        "ALTER TABLE users ALTER COLUMN bio SET DEFAULT '';",
        false,
    ),
    // renaming-column
    (
        "renaming-column",
        Plain,
        "ALTER TABLE users RENAME COLUMN fullname TO display_name;",
        true,
    ),
    (
        "renaming-column",
        Plain,
        "ALTER TABLE users ADD COLUMN display_name text;",
        false,
    ),
    // Views, foreign tables and composite types: their clients read the
    // names too.
    (
        "renaming-column",
        Plain,
        "ALTER VIEW order_summaries RENAME COLUMN status TO state;",
        true,
    ),
    (
        "renaming-column",
        Plain,
        "ALTER MATERIALIZED VIEW daily_sales RENAME COLUMN total TO amount;",
        true,
    ),
    (
        "renaming-column",
        Plain,
        "ALTER FOREIGN TABLE remote_orders RENAME COLUMN note TO remark;",
        true,
    ),
    (
        "renaming-column",
        Plain,
        "ALTER TYPE money_amount RENAME ATTRIBUTE rate TO exchange_rate;",
        true,
    ),
    // renaming-table: the documented way round is a view under the new name.
    (
        "renaming-table",
        Plain,
        "ALTER TABLE user_stars RENAME TO user_favorites;",
        true,
    ),
    (
        "renaming-table",
        Plain,
        "CREATE VIEW user_favorites AS SELECT * FROM user_stars;",
        false,
    ),
    // ban-drop-column
    (
        "ban-drop-column",
        Plain,
        "ALTER TABLE users DROP COLUMN legacy_flag;",
        true,
    ),
    (
        "ban-drop-column",
        Plain,
        "ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;",
        true,
    ),
    (
        "ban-drop-column",
        Plain,
        "ALTER TABLE users ALTER COLUMN legacy_flag DROP NOT NULL;",
        false,
    ),
    (
        "ban-drop-column",
        Plain,
        "ALTER FOREIGN TABLE remote_orders DROP COLUMN note;",
        true,
    ),
    (
        "ban-drop-column",
        Plain,
        "ALTER TYPE money_amount DROP ATTRIBUTE rate;",
        true,
    ),
    // ban-drop-table: tables and foreign tables.
    ("ban-drop-table", Plain, "DROP TABLE audit_log;", true),
    (
        "ban-drop-table",
        Plain,
        "DROP TABLE IF EXISTS audit_log;",
        true,
    ),
    (
        "ban-drop-table",
        Plain,
        "DROP FOREIGN TABLE remote_orders;",
        true,
    ),
    (
        "ban-drop-table",
        Plain,
        "DROP VIEW audit_log_summary;",
        false,
    ),
    // ban-drop-database
    ("ban-drop-database", Plain, "DROP DATABASE analytics;", true),
    (
        "ban-drop-database",
        Plain,
        "DROP DATABASE IF EXISTS analytics;",
        true,
    ),
    (
        "ban-drop-database",
        Plain,
        "DROP TABLE IF EXISTS analytics_events;",
        false,
    ),
    // ban-drop-not-null: on table columns and on domains.
    (
        "ban-drop-not-null",
        Plain,
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
        true,
    ),
    (
        "ban-drop-not-null",
        Plain,
        "ALTER DOMAIN email_address DROP NOT NULL;",
        true,
    ),
    (
        "ban-drop-not-null",
        Plain,
        "ALTER TABLE users ALTER COLUMN email DROP DEFAULT;",
        false,
    ),
    // disallowed-unique-constraint: build the index concurrently, then
    // attach it; `ADD COLUMN ... UNIQUE` counts too (squawk 0.28).
    (
        "disallowed-unique-constraint",
        Plain,
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
        true,
    ),
    (
        "disallowed-unique-constraint",
        Plain,
        "ALTER TABLE users ADD COLUMN handle text UNIQUE;",
        true,
    ),
    (
        "disallowed-unique-constraint",
        Plain,
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email);
         ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;",
        false,
    ),
    // adding-serial-primary-key-field: squawk's page is about primary keys
    // added to existing tables; the column form agrees (the constraint form
    // is in DEPARTURES).
    (
        "adding-serial-primary-key-field",
        Plain,
        "ALTER TABLE items ADD COLUMN id bigserial PRIMARY KEY;",
        true,
    ),
    (
        "adding-serial-primary-key-field",
        Plain,
        "CREATE UNIQUE INDEX CONCURRENTLY items_pkey_idx ON items (id);
         ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey_idx;",
        false,
    ),
    // ban-char-field
    (
        "ban-char-field",
        Plain,
        "CREATE TABLE app_user (id bigint PRIMARY KEY, country_code char(2) NOT NULL);",
        true,
    ),
    (
        "ban-char-field",
        Plain,
        "CREATE TABLE app_user (id bigint PRIMARY KEY, initial character NOT NULL);",
        true,
    ),
    (
        "ban-char-field",
        Plain,
        "CREATE TABLE app_user (id bigint PRIMARY KEY, country_code varchar(2) NOT NULL, note text);",
        false,
    ),
    // prefer-bigint-over-int, squawk's way (every 32-bit column).
    (
        "prefer-bigint-over-int",
        AllColumns,
        "CREATE TABLE posts (id serial PRIMARY KEY);",
        true,
    ),
    (
        "prefer-bigint-over-int",
        AllColumns,
        "CREATE TABLE posts (id int PRIMARY KEY);",
        true,
    ),
    (
        "prefer-bigint-over-int",
        AllColumns,
        "ALTER TABLE posts ADD COLUMN like_count integer;",
        true,
    ),
    (
        "prefer-bigint-over-int",
        AllColumns,
        "CREATE TABLE posts (id bigserial PRIMARY KEY, author_id bigint);",
        false,
    ),
    // prefer-bigint-over-smallint, squawk's way.
    (
        "prefer-bigint-over-smallint",
        AllColumns,
        "CREATE TABLE posts (id smallserial PRIMARY KEY);",
        true,
    ),
    (
        "prefer-bigint-over-smallint",
        AllColumns,
        "CREATE TABLE posts (id smallint PRIMARY KEY);",
        true,
    ),
    (
        "prefer-bigint-over-smallint",
        AllColumns,
        "CREATE TABLE posts (id bigint PRIMARY KEY);",
        false,
    ),
    // prefer-identity
    (
        "prefer-identity",
        Plain,
        "CREATE TABLE members (id bigserial);",
        true,
    ),
    (
        "prefer-identity",
        Plain,
        "CREATE TABLE members (id serial PRIMARY KEY);",
        true,
    ),
    (
        "prefer-identity",
        Plain,
        "CREATE TABLE members (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);",
        false,
    ),
    // prefer-text-field: varchar(n) in CREATE TABLE and ADD COLUMN; text
    // with a CHECK, or varchar without a length, is fine.
    (
        "prefer-text-field",
        Plain,
        "CREATE TABLE app_user (id bigint PRIMARY KEY, email varchar(100) NOT NULL);",
        true,
    ),
    (
        "prefer-text-field",
        Plain,
        "ALTER TABLE app_user ADD COLUMN nickname varchar(40);",
        true,
    ),
    (
        "prefer-text-field",
        Plain,
        "CREATE TABLE app_user (id bigint PRIMARY KEY, email text NOT NULL,
           CONSTRAINT app_user_email_len CHECK (length(email) <= 100));",
        false,
    ),
    (
        "prefer-text-field",
        Plain,
        "CREATE TABLE app_user (id bigint PRIMARY KEY, email varchar NOT NULL);",
        false,
    ),
    // prefer-timestamptz, also under squawk's spelling.
    (
        "prefer-timestamptz",
        Plain,
        "CREATE TABLE events (id bigint PRIMARY KEY, created_ts timestamp,
           modified_ts timestamp without time zone);",
        true,
    ),
    (
        "prefer-timestamptz",
        Plain,
        "ALTER TABLE events ALTER COLUMN created_ts TYPE timestamp;",
        true,
    ),
    (
        "prefer-timestamptz",
        Plain,
        "CREATE TABLE events (id bigint PRIMARY KEY, created_ts timestamptz,
           modified_ts timestamp with time zone);",
        false,
    ),
    (
        "prefer-timestamp-tz",
        Plain,
        "ALTER TABLE events ADD COLUMN archived_ts timestamp;",
        true,
    ),
    (
        "prefer-timestamp-tz",
        Plain,
        "ALTER TABLE events ADD COLUMN archived_ts timestamptz;",
        false,
    ),
    // prefer-robust-stmts: outside a transaction, a file of several
    // statements should survive a rerun.
    (
        "prefer-robust-stmts",
        Plain,
        "ALTER TABLE accounts ADD COLUMN billing_email text;
         CREATE INDEX CONCURRENTLY accounts_billing_email_idx ON accounts (billing_email);",
        true,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS billing_email text;
         CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_billing_email_idx
           ON accounts (billing_email);",
        false,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "CREATE TABLE ledger (id bigint PRIMARY KEY);
         DROP TABLE old_ledger;",
        true,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk;
         DROP INDEX accounts_fax_idx;",
        true,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS owner_id bigint;
         ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk
           FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID;",
        true,
    ),
    // A block committed before more of the file runs is left applied when
    // the rest fails, and the rerun meets it first (squawk: when the rest
    // is alembic's version update).
    (
        "prefer-robust-stmts",
        Plain,
        "BEGIN;
         ALTER TABLE accounts ADD COLUMN nickname text;
         COMMIT;
         BEGIN;
         UPDATE alembic_version SET version_num = 'bbc810e82b46';
         COMMIT;",
        true,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "BEGIN;
         UPDATE schema_version SET version = 42;
         COMMIT;
         BEGIN;
         ALTER TABLE accounts ADD COLUMN nickname text;
         COMMIT;",
        false,
    ),
    // Each block records its own migration: the rerun starts after it.
    (
        "prefer-robust-stmts",
        Plain,
        "BEGIN;
         ALTER TABLE accounts ADD COLUMN nickname text;
         UPDATE alembic_version SET version_num = 'v2';
         COMMIT;
         BEGIN;
         ALTER TABLE accounts ADD COLUMN handle text;
         UPDATE alembic_version SET version_num = 'v3';
         COMMIT;",
        false,
    ),
    // A file of one statement cannot be left half applied (squawk 0.15).
    (
        "prefer-robust-stmts",
        Plain,
        "ALTER TABLE accounts ADD COLUMN billing_email text;",
        false,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "CREATE TABLE IF NOT EXISTS ledger (id bigint PRIMARY KEY);
         DROP TABLE IF EXISTS old_ledger;
         ALTER TABLE accounts DROP COLUMN IF EXISTS fax;
         DROP INDEX IF EXISTS accounts_fax_idx;",
        false,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_owner_fk;
         ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk
           FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID;",
        false,
    ),
    (
        "prefer-robust-stmts",
        Plain,
        "BEGIN;
         CREATE TABLE ledger (id bigint PRIMARY KEY);
         ALTER TABLE accounts ADD COLUMN ledger_id bigint;
         DROP INDEX accounts_fax_idx;
         COMMIT;",
        false,
    ),
    (
        "prefer-robust-stmts",
        InTx,
        "CREATE TABLE ledger (id bigint PRIMARY KEY);
         ALTER TABLE accounts ADD COLUMN ledger_id bigint;",
        false,
    ),
    // transaction-nesting
    (
        "transaction-nesting",
        Plain,
        "BEGIN;
         CREATE TABLE a (id bigint);
         BEGIN;
         CREATE TABLE b (id bigint);
         COMMIT;",
        true,
    ),
    (
        "transaction-nesting",
        Plain,
        "BEGIN;
         CREATE TABLE a (id bigint);
         COMMIT;",
        false,
    ),
    (
        "transaction-nesting",
        InTx,
        "BEGIN;
         CREATE TABLE a (id bigint);
         COMMIT;",
        true,
    ),
    (
        "transaction-nesting",
        InTx,
        "CREATE TABLE a (id bigint);",
        false,
    ),
    // ban-concurrent-index-creation-in-transaction
    (
        "ban-concurrent-index-creation-in-transaction",
        Plain,
        "BEGIN;
         ALTER TABLE app_user ADD COLUMN email text;
         CREATE INDEX CONCURRENTLY app_user_email_idx ON app_user (email);
         COMMIT;",
        true,
    ),
    (
        "ban-concurrent-index-creation-in-transaction",
        Plain,
        "BEGIN;
         ALTER TABLE app_user ADD COLUMN email text;
         COMMIT;
         CREATE INDEX CONCURRENTLY app_user_email_idx ON app_user (email);",
        false,
    ),
    (
        "ban-concurrent-index-creation-in-transaction",
        InTx,
        "CREATE UNIQUE INDEX CONCURRENTLY app_user_email_idx ON app_user (email);
         ALTER TABLE app_user ADD CONSTRAINT app_user_email_key UNIQUE USING INDEX app_user_email_idx;",
        true,
    ),
    (
        "ban-concurrent-index-creation-in-transaction",
        InTx,
        "COMMIT;
         CREATE UNIQUE INDEX CONCURRENTLY app_user_email_idx ON app_user (email);
         BEGIN;
         ALTER TABLE app_user ADD CONSTRAINT app_user_email_key UNIQUE USING INDEX app_user_email_idx;",
        false,
    ),
    // require-timeout-settings: both timeouts before the DDL.
    (
        "require-timeout-settings",
        Plain,
        "ALTER TABLE orders ADD COLUMN gift boolean;",
        true,
    ),
    (
        "require-timeout-settings",
        Plain,
        "SET lock_timeout = '1s';
         ALTER TABLE orders ADD COLUMN gift boolean;",
        true,
    ),
    (
        "require-timeout-settings",
        Plain,
        "SET lock_timeout = '1s';
         SET statement_timeout = '5s';
         ALTER TABLE orders ADD COLUMN gift boolean;",
        false,
    ),
    // ban-alter-domain-with-add-constraint (squawk's page is empty; its
    // tests flag ADD CONSTRAINT and nothing else).
    (
        "ban-alter-domain-with-add-constraint",
        Plain,
        "ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);",
        true,
    ),
    (
        "ban-alter-domain-with-add-constraint",
        Plain,
        "ALTER DOMAIN positive_amount DROP CONSTRAINT positive_amount_check;",
        false,
    ),
    (
        "ban-alter-domain-with-add-constraint",
        Plain,
        "ALTER DOMAIN positive_amount RENAME TO nonnegative_amount;",
        false,
    ),
    // ban-create-domain-with-constraint (page empty as well).
    (
        "ban-create-domain-with-constraint",
        Plain,
        "CREATE DOMAIN positive_amount AS numeric(12, 2) CHECK (VALUE > 0);",
        true,
    ),
    (
        "ban-create-domain-with-constraint",
        Plain,
        "CREATE DOMAIN short_label AS text;",
        false,
    ),
    // ban-truncate-cascade: name the tables instead.
    (
        "ban-truncate-cascade",
        Plain,
        "TRUNCATE orders CASCADE;",
        true,
    ),
    (
        "ban-truncate-cascade",
        Plain,
        "TRUNCATE TABLE orders, order_items;",
        false,
    ),
    // ban-uncommitted-transaction
    (
        "ban-uncommitted-transaction",
        Plain,
        "BEGIN;
         CREATE TABLE subscribers (id bigint);",
        true,
    ),
    (
        "ban-uncommitted-transaction",
        Plain,
        "START TRANSACTION;
         ALTER TABLE subscribers ADD COLUMN confirmed_at timestamptz;",
        true,
    ),
    (
        "ban-uncommitted-transaction",
        Plain,
        "BEGIN;
         CREATE TABLE subscribers (id bigint);
         COMMIT;",
        false,
    ),
    // squawk 2.64-2.70's drop, move and rename rules: squawk reports the
    // object whatever it is, IF EXISTS and CASCADE included; renames of
    // tables and columns are renaming-table and renaming-column. Each case
    // was run through squawk 2.70.0's binary.
    // ban-drop-view
    (
        "ban-drop-view",
        Plain,
        "DROP VIEW order_summaries;",
        true,
    ),
    // IF EXISTS of a view no migration made: the file's world says it is
    // there (assume_existing), so the drop drops it.
    (
        "ban-drop-view",
        Plain,
        "DROP MATERIALIZED VIEW IF EXISTS daily_sales CASCADE;",
        true,
    ),
    (
        "ban-drop-view",
        Plain,
        "CREATE OR REPLACE VIEW order_summaries AS SELECT id, total FROM orders;",
        false,
    ),
    // ban-drop-function
    (
        "ban-drop-function",
        Plain,
        "DROP FUNCTION calculate_tax(numeric);",
        true,
    ),
    (
        "ban-drop-function",
        Plain,
        "DROP AGGREGATE array_concat_agg(anycompatiblearray);",
        true,
    ),
    (
        "ban-drop-function",
        Plain,
        "DROP PROCEDURE IF EXISTS archive_orders();",
        true,
    ),
    (
        "ban-drop-function",
        Plain,
        "CREATE OR REPLACE FUNCTION calculate_tax(amount numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT amount * 0.2 $$;",
        false,
    ),
    // ban-drop-type
    (
        "ban-drop-type",
        Plain,
        "DROP TYPE order_status;",
        true,
    ),
    (
        "ban-drop-type",
        Plain,
        "DROP TYPE IF EXISTS order_status CASCADE;",
        true,
    ),
    (
        "ban-drop-type",
        Plain,
        "DROP CAST (text AS order_status);",
        true,
    ),
    (
        "ban-drop-type",
        Plain,
        "DROP OPERATOR CLASS order_status_ops USING btree;",
        true,
    ),
    (
        "ban-drop-type",
        Plain,
        "ALTER TYPE order_status ADD VALUE 'refunded';",
        false,
    ),
    (
        "ban-drop-type",
        Plain,
        "DROP DOMAIN email_address;",
        false,
    ),
    // ban-drop-schema
    (
        "ban-drop-schema",
        Plain,
        "DROP SCHEMA reporting;",
        true,
    ),
    (
        "ban-drop-schema",
        Plain,
        "DROP SCHEMA IF EXISTS reporting CASCADE;",
        true,
    ),
    (
        "ban-drop-schema",
        Plain,
        "CREATE SCHEMA IF NOT EXISTS reporting;",
        false,
    ),
    // ban-drop-sequence
    (
        "ban-drop-sequence",
        Plain,
        "DROP SEQUENCE invoice_number_seq;",
        true,
    ),
    (
        "ban-drop-sequence",
        Plain,
        "DROP SEQUENCE IF EXISTS invoice_number_seq, credit_note_seq;",
        true,
    ),
    (
        "ban-drop-sequence",
        Plain,
        "ALTER SEQUENCE invoice_number_seq RESTART WITH 1000;",
        false,
    ),
    // ban-drop-domain
    (
        "ban-drop-domain",
        Plain,
        "DROP DOMAIN email_address;",
        true,
    ),
    (
        "ban-drop-domain",
        Plain,
        "DROP DOMAIN IF EXISTS email_address CASCADE;",
        true,
    ),
    (
        "ban-drop-domain",
        Plain,
        "ALTER DOMAIN email_address SET DEFAULT '';",
        false,
    ),
    // ban-drop-extension
    (
        "ban-drop-extension",
        Plain,
        "DROP EXTENSION pg_trgm;",
        true,
    ),
    (
        "ban-drop-extension",
        Plain,
        "DROP EXTENSION IF EXISTS hstore CASCADE;",
        true,
    ),
    (
        "ban-drop-extension",
        Plain,
        "ALTER EXTENSION pg_trgm UPDATE;",
        false,
    ),
    // ban-drop-constraint
    (
        "ban-drop-constraint",
        Plain,
        "ALTER TABLE orders DROP CONSTRAINT orders_total_check;",
        true,
    ),
    (
        "ban-drop-constraint",
        Plain,
        "ALTER TABLE IF EXISTS orders DROP CONSTRAINT IF EXISTS orders_customer_fk CASCADE;",
        true,
    ),
    (
        "ban-drop-constraint",
        Plain,
        "ALTER DOMAIN email_address DROP CONSTRAINT email_address_check;",
        true,
    ),
    (
        "ban-drop-constraint",
        Plain,
        "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;",
        false,
    ),
    // ban-drop-default
    (
        "ban-drop-default",
        Plain,
        "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;",
        true,
    ),
    (
        "ban-drop-default",
        Plain,
        "ALTER DOMAIN order_state DROP DEFAULT;",
        true,
    ),
    (
        "ban-drop-default",
        Plain,
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';",
        false,
    ),
    // ban-drop-generated-expression
    (
        "ban-drop-generated-expression",
        Plain,
        "ALTER TABLE orders ALTER COLUMN total_with_tax DROP EXPRESSION;",
        true,
    ),
    (
        "ban-drop-generated-expression",
        Plain,
        "ALTER TABLE orders ALTER COLUMN total_with_tax DROP EXPRESSION IF EXISTS;",
        true,
    ),
    (
        "ban-drop-generated-expression",
        Plain,
        "ALTER TABLE orders ALTER COLUMN total_with_tax DROP DEFAULT;",
        false,
    ),
    // ban-set-schema
    (
        "ban-set-schema",
        Plain,
        "ALTER TABLE orders SET SCHEMA archive;",
        true,
    ),
    (
        "ban-set-schema",
        Plain,
        "ALTER VIEW order_summaries SET SCHEMA reporting;",
        true,
    ),
    (
        "ban-set-schema",
        Plain,
        "ALTER FUNCTION calculate_tax(numeric) SET SCHEMA billing;",
        true,
    ),
    (
        "ban-set-schema",
        Plain,
        "ALTER TYPE order_status SET SCHEMA billing;",
        true,
    ),
    (
        "ban-set-schema",
        Plain,
        "ALTER EXTENSION citext SET SCHEMA extensions;",
        true,
    ),
    (
        "ban-set-schema",
        Plain,
        "ALTER COLLATION german SET SCHEMA archive;",
        false,
    ),
    // ban-alter-identity
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id DROP IDENTITY;",
        true,
    ),
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id DROP IDENTITY IF EXISTS;",
        true,
    ),
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id SET GENERATED ALWAYS;",
        true,
    ),
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN legacy_id ADD GENERATED BY DEFAULT AS IDENTITY;",
        true,
    ),
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN legacy_id ADD GENERATED ALWAYS AS IDENTITY (START WITH 1000);",
        true,
    ),
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id SET GENERATED BY DEFAULT;",
        false,
    ),
    (
        "ban-alter-identity",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id RESTART WITH 1000;",
        false,
    ),
    // renaming-object
    (
        "renaming-object",
        Plain,
        "ALTER VIEW order_summaries RENAME TO order_overview;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER MATERIALIZED VIEW daily_sales RENAME TO sales_per_day;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER FUNCTION calculate_tax(numeric) RENAME TO compute_tax;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER TYPE order_status RENAME TO order_state;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER TABLE orders RENAME CONSTRAINT orders_total_check TO orders_total_nonneg;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER SEQUENCE invoice_number_seq RENAME TO invoice_no_seq;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER INDEX orders_customer_idx RENAME TO orders_customer_id_idx;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER SCHEMA reporting RENAME TO analytics;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER ROLE reporter RENAME TO analyst;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER DATABASE shop RENAME TO shop_old;",
        true,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER TABLE orders RENAME TO purchases;",
        false,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER TABLE orders RENAME COLUMN total TO amount;",
        false,
    ),
    (
        "renaming-object",
        Plain,
        "ALTER COLLATION german RENAME TO deutsch;",
        false,
    ),
    // require-lock-timeout (cases checked against squawk 2.70's binary).
    (
        "require-lock-timeout",
        Plain,
        "ALTER TABLE orders ADD COLUMN gift boolean;",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "SET lock_timeout = '1s';
         ALTER TABLE orders ADD COLUMN gift boolean;",
        false,
    ),
    (
        "require-lock-timeout",
        Plain,
        "SET statement_timeout = '5s';
         ALTER TABLE orders ADD COLUMN gift boolean;",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "CREATE INDEX orders_customer_idx ON orders (customer_id);",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "TRUNCATE orders;",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "UPDATE orders SET total = 0 WHERE id = 1;",
        false,
    ),
    // COMMENT ON a table or column takes SHARE UPDATE EXCLUSIVE on the
    // table, and so does a VACUUM that does not rewrite it; REINDEX INDEX
    // takes SHARE on the table of an index pgvet has not seen built.
    (
        "require-lock-timeout",
        Plain,
        "COMMENT ON TABLE orders IS 'One row per checkout.';",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "COMMENT ON COLUMN orders.total IS 'In cents.';",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "SET lock_timeout = '1s';
         COMMENT ON TABLE orders IS 'One row per checkout.';",
        false,
    ),
    (
        "require-lock-timeout",
        Plain,
        "VACUUM (ANALYZE) orders;",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "VACUUM (FULL false) orders;",
        true,
    ),
    (
        "require-lock-timeout",
        Plain,
        "REINDEX INDEX orders_customer_idx;",
        true,
    ),
    // require-statement-timeout (cases checked against squawk 2.70's binary).
    (
        "require-statement-timeout",
        Plain,
        "ALTER TABLE orders ADD COLUMN gift boolean;",
        true,
    ),
    (
        "require-statement-timeout",
        Plain,
        "SET statement_timeout = '5s';
         ALTER TABLE orders ADD COLUMN gift boolean;",
        false,
    ),
    (
        "require-statement-timeout",
        Plain,
        "SET lock_timeout = '1s';
         ALTER TABLE orders ADD COLUMN gift boolean;",
        true,
    ),
    (
        "require-statement-timeout",
        Plain,
        "DROP TABLE order_archive;",
        true,
    ),
    (
        "require-statement-timeout",
        Plain,
        "UPDATE orders SET total = 0 WHERE id = 1;",
        false,
    ),
    (
        "require-statement-timeout",
        Plain,
        "COMMENT ON COLUMN orders.total IS 'In cents.';",
        true,
    ),
    (
        "require-statement-timeout",
        Plain,
        "VACUUM (FULL false) orders;",
        true,
    ),
    (
        "require-statement-timeout",
        Plain,
        "REINDEX (CONCURRENTLY false) INDEX orders_customer_idx;",
        true,
    ),
    // require-concurrent-reindex (cases checked against squawk 2.70's binary).
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX TABLE orders;",
        true,
    ),
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX INDEX orders_customer_idx;",
        true,
    ),
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX TABLE CONCURRENTLY orders;",
        false,
    ),
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX (CONCURRENTLY) INDEX orders_customer_idx;",
        false,
    ),
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX SCHEMA app;",
        true,
    ),
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX DATABASE shop;",
        true,
    ),
    (
        "require-concurrent-reindex",
        Plain,
        "REINDEX SYSTEM shop;",
        false,
    ),
    // require-concurrent-partition-detach (cases checked against squawk 2.70's binary).
    (
        "require-concurrent-partition-detach",
        Plain,
        "ALTER TABLE events DETACH PARTITION events_2019;",
        true,
    ),
    (
        "require-concurrent-partition-detach",
        Plain,
        "ALTER TABLE events DETACH PARTITION events_2019 CONCURRENTLY;",
        false,
    ),
    (
        "require-concurrent-partition-detach",
        Plain,
        "ALTER TABLE events DETACH PARTITION events_2019 FINALIZE;",
        false,
    ),
    (
        "require-concurrent-partition-detach",
        Plain,
        "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
        false,
    ),
    // identifier-too-long (cases checked against squawk 2.70's binary).
    (
        "identifier-too-long",
        Plain,
        "CREATE TABLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (id bigint PRIMARY KEY);",
        true,
    ),
    (
        "identifier-too-long",
        Plain,
        "CREATE TABLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (id bigint PRIMARY KEY);",
        false,
    ),
    (
        "identifier-too-long",
        Plain,
        "CREATE TABLE \"éééééééééééééééééééééééééééééééé\" (id bigint PRIMARY KEY);",
        true,
    ),
    (
        "identifier-too-long",
        Plain,
        "CREATE TABLE \"€€€€€€€€€€€€€€€€€€€€€\" (id bigint PRIMARY KEY);",
        false,
    ),
    (
        "identifier-too-long",
        Plain,
        "ALTER TABLE orders ADD COLUMN aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa text;",
        true,
    ),
    (
        "identifier-too-long",
        Plain,
        "CREATE INDEX aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ON orders (customer_id);",
        true,
    ),
    (
        "identifier-too-long",
        Plain,
        "SELECT 1 AS aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;",
        true,
    ),
    (
        "identifier-too-long",
        Plain,
        "COMMENT ON TABLE orders IS 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';",
        false,
    ),
    (
        "identifier-too-long",
        Plain,
        "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 AS aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa $$;",
        false,
    ),
    (
        "identifier-too-long",
        Plain,
        "CREATE TABLE \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" (id bigint PRIMARY KEY);",
        false,
    ),
    // ban-duplicate-column-assignments (cases checked against squawk 2.70's binary).
    (
        "ban-duplicate-column-assignments",
        Plain,
        "UPDATE orders SET status = 'paid', status = 'shipped';",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "UPDATE orders SET status = 'paid', STATUS = 'shipped';",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "UPDATE orders SET status = 'paid', \"Status\" = 'shipped';",
        false,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "UPDATE orders SET (status, total) = ('paid', 0), status = 'shipped';",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "UPDATE orders SET tags[1] = 'a', tags[2] = 'b';",
        false,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "UPDATE orders SET status = 'paid', total = 0;",
        false,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "INSERT INTO orders (id, status, status) VALUES (1, 'a', 'b');",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "INSERT INTO orders (id, status) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET total = 0, total = 1;",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "MERGE INTO orders o USING incoming i ON o.id = i.id WHEN MATCHED THEN UPDATE SET status = 'a', status = 'b';",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "MERGE INTO orders o USING incoming i ON o.id = i.id WHEN NOT MATCHED THEN INSERT (id, id) VALUES (1, 2);",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "CREATE FUNCTION touch() RETURNS void LANGUAGE sql AS $$ UPDATE orders SET status = 'a', status = 'b' $$;",
        false,
    ),
    // Columns a new table, view or type would have twice.
    (
        "ban-duplicate-column-assignments",
        Plain,
        "CREATE TABLE notes (body text, body text);",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "CREATE FOREIGN TABLE remote_notes (body text, body text) SERVER archive;",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "CREATE VIEW order_pairs AS SELECT 1, 2;",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "CREATE VIEW order_pairs (a, a) AS SELECT 1, 2;",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "SELECT 1 AS a, 2 AS a INTO order_pairs;",
        true,
    ),
    (
        "ban-duplicate-column-assignments",
        Plain,
        "CREATE TABLE order_pairs (a, b) AS SELECT 1 AS a, 2 AS a;",
        false,
    ),
    // require-enum-value-ordering (cases checked against squawk 2.70's binary).
    (
        "require-enum-value-ordering",
        Plain,
        "ALTER TYPE order_status ADD VALUE 'refunded';",
        true,
    ),
    (
        "require-enum-value-ordering",
        Plain,
        "ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';",
        false,
    ),
    (
        "require-enum-value-ordering",
        Plain,
        "ALTER TYPE order_status ADD VALUE 'draft' BEFORE 'new';",
        false,
    ),
    (
        "require-enum-value-ordering",
        Plain,
        "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled';",
        false,
    ),
    (
        "require-enum-value-ordering",
        Plain,
        "CREATE TYPE mood AS ENUM ('sad', 'happy');
         ALTER TYPE mood ADD VALUE 'ok';",
        true,
    ),
    // require-table-schema (cases checked against squawk 2.70's binary, with --include).
    (
        "require-table-schema",
        Plain,
        "CREATE TABLE orders (id bigint PRIMARY KEY);",
        true,
    ),
    (
        "require-table-schema",
        Plain,
        "CREATE TABLE app.orders (id bigint PRIMARY KEY);",
        false,
    ),
    (
        "require-table-schema",
        Plain,
        "ALTER TABLE orders ADD COLUMN note text;",
        true,
    ),
    (
        "require-table-schema",
        Plain,
        "ALTER TABLE orders RENAME COLUMN note TO remark;",
        true,
    ),
    (
        "require-table-schema",
        Plain,
        "ALTER TABLE orders SET SCHEMA archive;",
        true,
    ),
    (
        "require-table-schema",
        Plain,
        "DROP TABLE app.order_archive, order_backup;",
        true,
    ),
    (
        "require-table-schema",
        Plain,
        "CREATE TABLE order_totals AS SELECT 1 AS id;",
        true,
    ),
    (
        "require-table-schema",
        Plain,
        "CREATE TEMP TABLE scratch (id bigint);",
        false,
    ),
    (
        "require-table-schema",
        Plain,
        "CREATE INDEX orders_note_idx ON orders (note);",
        false,
    ),
    (
        "require-table-schema",
        Plain,
        "CREATE VIEW order_ids AS SELECT id FROM app.orders;",
        false,
    ),
    (
        "require-table-schema",
        Plain,
        "CREATE MATERIALIZED VIEW order_ids AS SELECT id FROM app.orders;",
        false,
    ),
    (
        "require-table-schema",
        Plain,
        "TRUNCATE orders;",
        false,
    ),
    // The opt-in rules about changes existing clients notice (checked
    // against squawk 2.70's binary with --include).
    // ban-drop-trigger
    (
        "ban-drop-trigger",
        Plain,
        "DROP TRIGGER orders_touch ON orders;",
        true,
    ),
    (
        "ban-drop-trigger",
        Plain,
        "DROP TRIGGER IF EXISTS orders_touch ON orders CASCADE;",
        true,
    ),
    (
        "ban-drop-trigger",
        Plain,
        "DROP EVENT TRIGGER ddl_audit;",
        false,
    ),
    (
        "ban-drop-trigger",
        Plain,
        "DROP RULE orders_no_delete ON orders;",
        false,
    ),
    // ban-drop-index: CONCURRENTLY too (the lock is another rule's).
    (
        "ban-drop-index",
        Plain,
        "DROP INDEX orders_customer_idx;",
        true,
    ),
    (
        "ban-drop-index",
        Plain,
        "DROP INDEX CONCURRENTLY IF EXISTS orders_customer_idx;",
        true,
    ),
    (
        "ban-drop-index",
        Plain,
        "ALTER TABLE orders DROP CONSTRAINT orders_ref_key;",
        false,
    ),
    (
        "ban-drop-index",
        Plain,
        "DROP TABLE orders;",
        false,
    ),
    // ban-drop-policy: rules too.
    (
        "ban-drop-policy",
        Plain,
        "DROP POLICY orders_read ON orders;",
        true,
    ),
    (
        "ban-drop-policy",
        Plain,
        "DROP POLICY IF EXISTS orders_read ON orders;",
        true,
    ),
    (
        "ban-drop-policy",
        Plain,
        "DROP RULE IF EXISTS orders_no_delete ON orders;",
        true,
    ),
    (
        "ban-drop-policy",
        Plain,
        "ALTER TABLE orders DISABLE ROW LEVEL SECURITY;",
        false,
    ),
    // ban-revoke: object privileges, ALL IN SCHEMA, role membership.
    (
        "ban-revoke",
        Plain,
        "REVOKE SELECT ON orders FROM anon;",
        true,
    ),
    (
        "ban-revoke",
        Plain,
        "REVOKE EXECUTE ON FUNCTION order_total(bigint) FROM PUBLIC;",
        true,
    ),
    (
        "ban-revoke",
        Plain,
        "REVOKE GRANT OPTION FOR SELECT ON orders FROM reporting;",
        true,
    ),
    (
        "ban-revoke",
        Plain,
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM anon;",
        true,
    ),
    (
        "ban-revoke",
        Plain,
        "REVOKE billing_admins FROM alice;",
        true,
    ),
    (
        "ban-revoke",
        Plain,
        "GRANT SELECT ON orders TO anon;",
        false,
    ),
    // ban-create-policy
    (
        "ban-create-policy",
        Plain,
        "CREATE POLICY orders_read ON orders FOR SELECT TO authenticated USING (true);",
        true,
    ),
    (
        "ban-create-policy",
        Plain,
        "CREATE POLICY orders_limit ON orders AS RESTRICTIVE FOR INSERT WITH CHECK (total >= 0);",
        true,
    ),
    (
        "ban-create-policy",
        Plain,
        "ALTER POLICY orders_read ON orders USING (false);",
        false,
    ),
    // ban-alter-policy-condition: USING or WITH CHECK, not TO or RENAME.
    (
        "ban-alter-policy-condition",
        Plain,
        "ALTER POLICY orders_read ON orders USING (owner_id = auth.uid());",
        true,
    ),
    (
        "ban-alter-policy-condition",
        Plain,
        "ALTER POLICY orders_read ON orders WITH CHECK (total >= 0);",
        true,
    ),
    (
        "ban-alter-policy-condition",
        Plain,
        "ALTER POLICY orders_read ON orders TO authenticated USING (true);",
        true,
    ),
    (
        "ban-alter-policy-condition",
        Plain,
        "ALTER POLICY orders_read ON orders TO authenticated;",
        false,
    ),
    (
        "ban-alter-policy-condition",
        Plain,
        "ALTER POLICY orders_read ON orders RENAME TO orders_select;",
        false,
    ),
    // ban-alter-policy-roles: TO, with or without a condition.
    (
        "ban-alter-policy-roles",
        Plain,
        "ALTER POLICY orders_read ON orders TO authenticated, anon;",
        true,
    ),
    (
        "ban-alter-policy-roles",
        Plain,
        "ALTER POLICY orders_read ON orders TO public USING (true);",
        true,
    ),
    (
        "ban-alter-policy-roles",
        Plain,
        "ALTER POLICY orders_read ON orders USING (true);",
        false,
    ),
    // ban-alter-row-level-security: all four switches.
    (
        "ban-alter-row-level-security",
        Plain,
        "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;",
        true,
    ),
    (
        "ban-alter-row-level-security",
        Plain,
        "ALTER TABLE orders DISABLE ROW LEVEL SECURITY;",
        true,
    ),
    (
        "ban-alter-row-level-security",
        Plain,
        "ALTER TABLE orders FORCE ROW LEVEL SECURITY;",
        true,
    ),
    (
        "ban-alter-row-level-security",
        Plain,
        "ALTER TABLE orders NO FORCE ROW LEVEL SECURITY;",
        true,
    ),
    (
        "ban-alter-row-level-security",
        Plain,
        "ALTER TABLE orders DISABLE TRIGGER ALL;",
        false,
    ),
    // ban-disable-trigger: triggers and rules, ENABLE included.
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders DISABLE TRIGGER orders_touch;",
        true,
    ),
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders DISABLE TRIGGER ALL;",
        true,
    ),
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders ENABLE TRIGGER orders_touch;",
        true,
    ),
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders ENABLE REPLICA TRIGGER orders_touch;",
        true,
    ),
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders DISABLE RULE orders_no_delete;",
        true,
    ),
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders ENABLE ALWAYS RULE orders_no_delete;",
        true,
    ),
    (
        "ban-disable-trigger",
        Plain,
        "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;",
        false,
    ),
    // ban-new-write-restriction: each kind of constraint, NOT VALID or not, and unique indexes.
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (external_ref);",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "CREATE UNIQUE INDEX CONCURRENTLY orders_ref_key ON orders (external_ref);",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders ADD COLUMN is_gift boolean NOT NULL;",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders ADD COLUMN gift_note text;",
        false,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;",
        false,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "CREATE INDEX orders_total_idx ON orders (total);",
        false,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "CREATE TABLE shipments (id bigint PRIMARY KEY, qty int);
         ALTER TABLE shipments ADD CONSTRAINT shipments_qty_check CHECK (qty > 0);",
        false,
    ),
    // ban-add-enum-value
    (
        "ban-add-enum-value",
        Plain,
        "ALTER TYPE order_status ADD VALUE 'refunded';",
        true,
    ),
    (
        "ban-add-enum-value",
        Plain,
        "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';",
        true,
    ),
    (
        "ban-add-enum-value",
        Plain,
        "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled';",
        false,
    ),
    (
        "ban-add-enum-value",
        Plain,
        "CREATE TYPE mood AS ENUM ('sad');
         ALTER TYPE mood ADD VALUE 'happy';",
        false,
    ),
    // ban-add-column: foreign tables too.
    (
        "ban-add-column",
        Plain,
        "ALTER TABLE orders ADD COLUMN note text;",
        true,
    ),
    (
        "ban-add-column",
        Plain,
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;",
        true,
    ),
    (
        "ban-add-column",
        Plain,
        "ALTER FOREIGN TABLE remote_orders ADD COLUMN note text;",
        true,
    ),
    // A table no migration made exists (assume_existing): CREATE TABLE IF
    // NOT EXISTS of it does nothing, and the column changes its rows.
    (
        "ban-add-column",
        Plain,
        "CREATE TABLE IF NOT EXISTS coupons (code text PRIMARY KEY);
         ALTER TABLE coupons ADD COLUMN expires_at timestamptz;",
        true,
    ),
    (
        "ban-add-column",
        Plain,
        "CREATE TABLE shipments (id bigint PRIMARY KEY);
         ALTER TABLE shipments ADD COLUMN note text;",
        false,
    ),
    (
        "ban-add-column",
        Plain,
        "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);",
        false,
    ),
    // ban-add-composite-attribute
    (
        "ban-add-composite-attribute",
        Plain,
        "ALTER TYPE money_amount ADD ATTRIBUTE rate numeric;",
        true,
    ),
    (
        "ban-add-composite-attribute",
        Plain,
        "ALTER TYPE money_amount DROP ATTRIBUTE rate;",
        false,
    ),
    (
        "ban-add-composite-attribute",
        Plain,
        "CREATE TYPE money_amount AS (amount numeric);
         ALTER TYPE money_amount ADD ATTRIBUTE currency text;",
        false,
    ),
    // ban-set-default: tables, foreign tables, views, domains.
    (
        "ban-set-default",
        Plain,
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';",
        true,
    ),
    (
        "ban-set-default",
        Plain,
        "ALTER TABLE orders ALTER placed_at SET DEFAULT now();",
        true,
    ),
    (
        "ban-set-default",
        Plain,
        "ALTER DOMAIN order_code SET DEFAULT 'x';",
        true,
    ),
    (
        "ban-set-default",
        Plain,
        "ALTER VIEW order_summaries ALTER COLUMN status SET DEFAULT 'new';",
        true,
    ),
    (
        "ban-set-default",
        Plain,
        "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;",
        false,
    ),
    (
        "ban-set-default",
        Plain,
        "ALTER TABLE orders ADD COLUMN source text DEFAULT 'web';",
        false,
    ),
    // ban-replace-view-function: in the file's world (assume_existing) what
    // no migration made is there, so every CREATE OR REPLACE replaces it
    // (an object made or dropped earlier in the file: see DEPARTURES).
    (
        "ban-replace-view-function",
        Plain,
        "CREATE OR REPLACE VIEW order_ids AS SELECT id FROM orders;",
        true,
    ),
    (
        "ban-replace-view-function",
        Plain,
        "CREATE OR REPLACE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT total * 0.2 $$;",
        true,
    ),
    (
        "ban-replace-view-function",
        Plain,
        "CREATE OR REPLACE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();",
        true,
    ),
    (
        "ban-replace-view-function",
        Plain,
        "CREATE OR REPLACE RULE orders_no_delete AS ON DELETE TO orders DO INSTEAD NOTHING;",
        true,
    ),
    (
        "ban-replace-view-function",
        Plain,
        "CREATE VIEW order_ids AS SELECT id FROM orders;",
        false,
    ),
    (
        "ban-replace-view-function",
        Plain,
        "CREATE MATERIALIZED VIEW daily_sales AS SELECT 1 AS total;",
        false,
    ),
    (
        "ban-replace-view-function",
        Plain,
        "CREATE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT total * 0.2 $$;",
        false,
    ),
    // ban-alter-function-options: options only, not OWNER, RENAME or SET SCHEMA.
    (
        "ban-alter-function-options",
        Plain,
        "ALTER FUNCTION order_total(bigint) SECURITY DEFINER;",
        true,
    ),
    (
        "ban-alter-function-options",
        Plain,
        "ALTER FUNCTION order_total(bigint) SET search_path = '';",
        true,
    ),
    (
        "ban-alter-function-options",
        Plain,
        "ALTER PROCEDURE archive_orders() RESET ALL;",
        true,
    ),
    (
        "ban-alter-function-options",
        Plain,
        "ALTER ROUTINE order_total(bigint) IMMUTABLE;",
        true,
    ),
    (
        "ban-alter-function-options",
        Plain,
        "ALTER FUNCTION order_total(bigint) OWNER TO billing_admins;",
        false,
    ),
    (
        "ban-alter-function-options",
        Plain,
        "ALTER FUNCTION order_total(bigint) RENAME TO order_sum;",
        false,
    ),
    // ban-alter-view-options: SET and RESET of a view's options.
    (
        "ban-alter-view-options",
        Plain,
        "ALTER VIEW order_summaries SET (security_invoker = true);",
        true,
    ),
    (
        "ban-alter-view-options",
        Plain,
        "ALTER VIEW order_summaries RESET (security_barrier);",
        true,
    ),
    (
        "ban-alter-view-options",
        Plain,
        "ALTER VIEW order_summaries OWNER TO billing_admins;",
        false,
    ),
    (
        "ban-alter-view-options",
        Plain,
        "ALTER MATERIALIZED VIEW daily_sales SET (fillfactor = 70);",
        false,
    ),
    // ban-alter-sequence-values: sequence options and an identity column's.
    (
        "ban-alter-sequence-values",
        Plain,
        "ALTER SEQUENCE invoice_no RESTART WITH 1000;",
        true,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "ALTER SEQUENCE invoice_no INCREMENT BY 10 CACHE 20;",
        true,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "ALTER SEQUENCE invoice_no AS bigint;",
        true,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id RESTART WITH 5000;",
        true,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "ALTER SEQUENCE invoice_no OWNED BY orders.invoice_no;",
        false,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "ALTER TABLE orders ALTER COLUMN id SET GENERATED BY DEFAULT;",
        false,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "CREATE SEQUENCE invoice_no;
         ALTER SEQUENCE invoice_no RESTART WITH 1000;",
        false,
    ),
    (
        "ban-alter-sequence-values",
        Plain,
        "CREATE TABLE shipments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
         ALTER TABLE shipments ALTER COLUMN id RESTART WITH 10;",
        false,
    ),
    // ban-alter-generated-expression
    (
        "ban-alter-generated-expression",
        Plain,
        "ALTER TABLE prices ALTER COLUMN gross SET EXPRESSION AS (net * 1.25);",
        true,
    ),
    (
        "ban-alter-generated-expression",
        Plain,
        "ALTER TABLE prices ALTER COLUMN gross DROP EXPRESSION;",
        false,
    ),
    // ban-replica-identity
    (
        "ban-replica-identity",
        Plain,
        "ALTER TABLE orders REPLICA IDENTITY FULL;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_ref_key;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER TABLE orders REPLICA IDENTITY DEFAULT;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER TABLE orders SET LOGGED;",
        false,
    ),
    // Publications: dropping one, or taking tables, schemas or kinds of
    // change out of it; adding to it or creating one is quiet.
    (
        "ban-replica-identity",
        Plain,
        "DROP PUBLICATION order_feed;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER PUBLICATION order_feed DROP TABLE orders;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER PUBLICATION order_feed DROP TABLES IN SCHEMA billing;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER PUBLICATION order_feed SET TABLE orders, refunds;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER PUBLICATION order_feed SET TABLES IN SCHEMA billing;",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER PUBLICATION order_feed SET (publish = 'insert, update');",
        true,
    ),
    (
        "ban-replica-identity",
        Plain,
        "ALTER PUBLICATION order_feed ADD TABLE refunds;",
        false,
    ),
    (
        "ban-replica-identity",
        Plain,
        "CREATE PUBLICATION order_feed FOR TABLE orders;",
        false,
    ),
    // ban-detach-inheritance: DETACH PARTITION in each form, and NO INHERIT.
    (
        "ban-detach-inheritance",
        Plain,
        "ALTER TABLE events DETACH PARTITION events_2023;",
        true,
    ),
    (
        "ban-detach-inheritance",
        Plain,
        "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;",
        true,
    ),
    (
        "ban-detach-inheritance",
        Plain,
        "ALTER TABLE events DETACH PARTITION events_2023 FINALIZE;",
        true,
    ),
    (
        "ban-detach-inheritance",
        Plain,
        "ALTER TABLE order_archive NO INHERIT orders;",
        true,
    ),
    (
        "ban-detach-inheritance",
        Plain,
        "ALTER TABLE order_archive INHERIT orders;",
        false,
    ),
    (
        "ban-detach-inheritance",
        Plain,
        "CREATE TABLE order_archive () INHERITS (orders);
         ALTER TABLE order_archive NO INHERIT orders;",
        false,
    ),
    // ban-alter-extension: UPDATE, and DROP of a member.
    (
        "ban-alter-extension",
        Plain,
        "ALTER EXTENSION pg_trgm UPDATE;",
        true,
    ),
    (
        "ban-alter-extension",
        Plain,
        "ALTER EXTENSION pg_trgm UPDATE TO '1.6';",
        true,
    ),
    (
        "ban-alter-extension",
        Plain,
        "ALTER EXTENSION hstore DROP FUNCTION legacy_fn(int);",
        true,
    ),
    (
        "ban-alter-extension",
        Plain,
        "ALTER EXTENSION hstore ADD FUNCTION legacy_fn(int);",
        false,
    ),
    (
        "ban-alter-extension",
        Plain,
        "ALTER EXTENSION pg_trgm SET SCHEMA extensions;",
        false,
    ),
    // ban-alter-role-options: attributes and settings, not membership or renames.
    (
        "ban-alter-role-options",
        Plain,
        "ALTER ROLE reporting NOLOGIN;",
        true,
    ),
    (
        "ban-alter-role-options",
        Plain,
        "ALTER ROLE reporting WITH PASSWORD 'changed';",
        true,
    ),
    (
        "ban-alter-role-options",
        Plain,
        "ALTER ROLE authenticated SET statement_timeout = '8s';",
        true,
    ),
    (
        "ban-alter-role-options",
        Plain,
        "ALTER ROLE ALL SET statement_timeout = '1s';",
        true,
    ),
    (
        "ban-alter-role-options",
        Plain,
        "ALTER USER reporting CONNECTION LIMIT 5;",
        true,
    ),
    (
        "ban-alter-role-options",
        Plain,
        "ALTER GROUP readers ADD USER alice;",
        false,
    ),
    (
        "ban-alter-role-options",
        Plain,
        "ALTER ROLE reporting RENAME TO analytics;",
        false,
    ),
    // ban-alter-database-options: settings and connection options, not owner, name or tablespace.
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app SET statement_timeout = '10s';",
        true,
    ),
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app RESET ALL;",
        true,
    ),
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app CONNECTION LIMIT 50;",
        true,
    ),
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app WITH ALLOW_CONNECTIONS false;",
        true,
    ),
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app OWNER TO billing_admins;",
        false,
    ),
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app SET TABLESPACE fast;",
        false,
    ),
    (
        "ban-alter-database-options",
        Plain,
        "ALTER DATABASE app RENAME TO app_old;",
        false,
    ),
    // ban-alter-system-options
    (
        "ban-alter-system-options",
        Plain,
        "ALTER SYSTEM SET work_mem = '64MB';",
        true,
    ),
    (
        "ban-alter-system-options",
        Plain,
        "ALTER SYSTEM RESET ALL;",
        true,
    ),
    (
        "ban-alter-system-options",
        Plain,
        "SET work_mem = '64MB';",
        false,
    ),
    // Found by running squawk 2.70's own rule tests against pgvet
    // (docs/coming-from-squawk.md, "Measured agreement").
    (
        "ban-revoke",
        Plain,
        "ALTER GROUP auditors DROP USER mallory;",
        true,
    ),
    (
        "ban-new-write-restriction",
        Plain,
        "ALTER TABLE payments ALTER CONSTRAINT payments_order_fk NOT DEFERRABLE;",
        true,
    ),
    (
        "ban-drop-constraint",
        Plain,
        "ALTER TABLE payments ALTER CONSTRAINT payments_order_fk NOT ENFORCED;",
        true,
    ),
];

/// Why a statement on a table made earlier in the file stays quiet after
/// the COMMIT of the transaction that made it.
const NEW_TABLE: &str = "a table made earlier in the file stays new after the COMMIT of the \
                         transaction that made it: no deployed client uses it yet";

/// A place where pgvet knowingly decides otherwise than squawk.
struct Departure {
    rule: &'static str,
    mode: Mode,
    sql: &'static str,
    /// What squawk does; pgvet does the opposite.
    squawk_fires: bool,
    /// A pgvet rule that reports the statement instead, if any.
    instead: Option<&'static str>,
    reason: &'static str,
}

const DEPARTURES: &[Departure] = &[
    Departure {
        rule: "adding-foreign-key-constraint",
        mode: Plain,
        sql: "ALTER TABLE invoices ADD COLUMN customer_id bigint REFERENCES customers (id);",
        squawk_fires: true,
        instead: None,
        reason: "a new column without a default is NULL in every row: PostgreSQL marks the \
                 key valid without reading the table (no scan, checked on PostgreSQL 15)",
    },
    Departure {
        rule: "prefer-robust-stmts",
        mode: Plain,
        sql: "CREATE INDEX CONCURRENTLY accounts_billing_email_idx ON accounts (billing_email);",
        squawk_fires: false,
        instead: None,
        reason: "a failed CREATE INDEX CONCURRENTLY leaves an invalid index under its name, so \
                 even a file of that one statement fails on the rerun without IF NOT EXISTS",
    },
    Departure {
        rule: "ban-concurrent-index-creation-in-transaction",
        mode: InTx,
        sql: "CREATE UNIQUE INDEX CONCURRENTLY app_user_email_idx ON app_user (email);",
        squawk_fires: false,
        instead: None,
        reason: "per-file mode means the tool wraps every file, a lone statement included; \
                 squawk assumes tools such as golang-migrate skip the transaction then",
    },
    Departure {
        rule: "adding-serial-primary-key-field",
        mode: Plain,
        sql: "ALTER TABLE items ADD PRIMARY KEY (id);",
        squawk_fires: true,
        instead: Some("adding-primary-key-constraint"),
        reason: "pgvet splits squawk's rule by clause: a PRIMARY KEY table constraint is \
                 adding-primary-key-constraint, a column added with PRIMARY KEY stays here",
    },
    Departure {
        rule: "prefer-bigint-over-int",
        mode: Plain,
        sql: "CREATE TABLE products (id bigint PRIMARY KEY, stock_count integer NOT NULL);",
        squawk_fires: true,
        instead: None,
        reason: "by default only counter-fed keys and the columns referencing them are \
                 reported; `columns: all` restores squawk's behaviour",
    },
    Departure {
        rule: "prefer-bigint-over-smallint",
        mode: Plain,
        sql: "CREATE TABLE products (id bigint PRIMARY KEY, shelf_rank smallint);",
        squawk_fires: true,
        instead: None,
        reason: "by default only counter-fed keys and the columns referencing them are \
                 reported; `columns: all` restores squawk's behaviour",
    },
    Departure {
        rule: "require-concurrent-index-creation",
        mode: Plain,
        sql: "CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);
              CREATE INDEX shipments_order_idx ON shipments (order_id);",
        squawk_fires: true,
        instead: None,
        reason: "lock rules are history-aware: a table created earlier in the same file is \
                 new and empty, with or without a transaction (squawk exempts it only inside one)",
    },
    Departure {
        rule: "prefer-robust-stmts",
        mode: Plain,
        sql: "BEGIN;
              ALTER TABLE accounts ADD COLUMN nickname text;
              COMMIT;
              BEGIN;
              UPDATE schema_version SET version = 42;
              COMMIT;",
        squawk_fires: false,
        instead: None,
        reason: "any statement after the COMMIT can fail and leave the block applied, not \
                 only alembic's version update, which is all squawk looks for",
    },
    Departure {
        rule: "ban-duplicate-column-assignments",
        mode: Plain,
        sql: "CREATE TABLE order_pairs AS SELECT 1 AS a, 2 AS a;",
        squawk_fires: false,
        instead: None,
        reason: "PostgreSQL rejects CREATE TABLE AS with a column named twice as it rejects \
                 SELECT INTO (checked on PostgreSQL 15)",
    },
    Departure {
        rule: "changing-column-type",
        mode: Plain,
        sql: "ALTER FOREIGN TABLE remote_orders ALTER COLUMN note TYPE varchar(200);",
        squawk_fires: true,
        instead: None,
        reason: "a foreign table's rows live on the remote server: nothing is rewritten or \
                 locked for long, only the type the local server reads them as changes",
    },
    Departure {
        rule: "changing-column-type",
        mode: Plain,
        sql: "ALTER TYPE money_amount ALTER ATTRIBUTE rate TYPE numeric(12, 6);",
        squawk_fires: true,
        instead: None,
        reason: "PostgreSQL refuses to retype the attribute of a composite type a table \
                 column uses, so no stored value is rewritten (checked on PostgreSQL 15)",
    },
    Departure {
        rule: "changing-column-type",
        mode: Plain,
        sql: "CREATE TABLE counters (id bigint PRIMARY KEY, hits integer);
              ALTER TABLE counters ALTER COLUMN hits TYPE bigint;",
        squawk_fires: true,
        instead: None,
        reason: "lock rules are history-aware: rewriting a table created earlier in the same \
                 file blocks no one",
    },
    Departure {
        rule: "ban-alter-domain-with-add-constraint",
        mode: Plain,
        sql: "CREATE DOMAIN percentage AS numeric;
              ALTER DOMAIN percentage ADD CONSTRAINT percentage_range CHECK (VALUE BETWEEN 0 AND 100);",
        squawk_fires: true,
        instead: None,
        reason: "a domain created earlier in the same file is used only by tables this file \
                 touched, so nothing outside waits on the check",
    },
    Departure {
        rule: "prefer-robust-stmts",
        mode: Plain,
        sql: "ALTER TABLE accounts ALTER COLUMN billing_email SET NOT NULL;
              ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;",
        squawk_fires: true,
        instead: None,
        reason: "ALTER TABLE actions that succeed when run twice are not reported outside a \
                 transaction; squawk asks for a transaction around them",
    },    Departure {
        rule: "ban-drop-view",
        mode: Plain,
        sql: "CREATE VIEW recent_orders AS SELECT id FROM orders;
              DROP VIEW recent_orders;",
        squawk_fires: true,
        instead: None,
        reason: "a view created earlier in the same file is read by no deployed code yet",
    },
    Departure {
        rule: "ban-drop-view",
        mode: InTx,
        sql: "DROP VIEW order_summaries;
              CREATE VIEW order_summaries AS SELECT id, total, status FROM orders;",
        squawk_fires: true,
        instead: None,
        reason: "a view dropped and made again in the same transaction (to change its columns, \
                 which CREATE OR REPLACE cannot) is never missing for clients",
    },
    Departure {
        rule: "ban-drop-function",
        mode: InTx,
        sql: "DROP FUNCTION order_total(bigint);
              CREATE FUNCTION order_total(order_id bigint) RETURNS numeric LANGUAGE sql AS $$ SELECT 1 $$;",
        squawk_fires: true,
        instead: None,
        reason: "a function dropped and made again with the same arguments in the same \
                 transaction (to change its result type) is never missing for its callers",
    },
    Departure {
        rule: "ban-drop-function",
        mode: Plain,
        sql: "CREATE FUNCTION tmp_total(o orders) RETURNS numeric LANGUAGE sql AS $$ SELECT o.total $$;
              DROP FUNCTION tmp_total(orders);",
        squawk_fires: true,
        instead: None,
        reason: "a function created earlier in the same file is called by no deployed code yet",
    },
    Departure {
        rule: "ban-drop-type",
        mode: Plain,
        sql: "CREATE TYPE import_row AS (id bigint, total numeric);
              DROP TYPE import_row;",
        squawk_fires: true,
        instead: None,
        reason: "a type created earlier in the same file is used by no deployed code yet",
    },
    Departure {
        rule: "ban-drop-schema",
        mode: Plain,
        sql: "CREATE SCHEMA import_work;
              DROP SCHEMA import_work;",
        squawk_fires: true,
        instead: None,
        reason: "a schema created earlier in the same file holds nothing deployed code uses",
    },
    Departure {
        rule: "ban-drop-sequence",
        mode: Plain,
        sql: "CREATE SEQUENCE import_batch_seq;
              DROP SEQUENCE import_batch_seq;",
        squawk_fires: true,
        instead: None,
        reason: "a sequence created earlier in the same file is used by no deployed code yet",
    },
    Departure {
        rule: "ban-drop-domain",
        mode: Plain,
        sql: "CREATE DOMAIN import_code AS text;
              DROP DOMAIN import_code;",
        squawk_fires: true,
        instead: None,
        reason: "a domain created earlier in the same file is used by no deployed code yet",
    },
    Departure {
        rule: "ban-drop-extension",
        mode: Plain,
        sql: "CREATE EXTENSION IF NOT EXISTS tablefunc;
              DROP EXTENSION tablefunc;",
        squawk_fires: true,
        instead: None,
        reason: "an extension created earlier in the same file is used by no deployed code yet",
    },
    Departure {
        rule: "ban-drop-constraint",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY, qty integer CONSTRAINT imports_qty_check CHECK (qty > 0));
              ALTER TABLE imports DROP CONSTRAINT imports_qty_check;",
        squawk_fires: true,
        instead: None,
        reason: "a constraint of a table created earlier in the same file guards nothing deployed code relies on",
    },
    Departure {
        rule: "ban-drop-constraint",
        mode: Plain,
        sql: "ALTER TABLE orders DROP CONSTRAINT orders_total_check, ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;",
        squawk_fires: true,
        instead: None,
        reason: "a constraint dropped and added again under its name in the same statement is never missing",
    },
    Departure {
        rule: "ban-drop-default",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN source text NOT NULL DEFAULT 'web';
              ALTER TABLE orders ALTER COLUMN source DROP DEFAULT;",
        squawk_fires: true,
        instead: None,
        reason: "a column added earlier in the same file is written by no deployed code yet (the usual backfill)",
    },
    Departure {
        rule: "ban-drop-generated-expression",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY, qty integer, qty2 integer GENERATED ALWAYS AS (qty * 2) STORED);
              ALTER TABLE imports ALTER COLUMN qty2 DROP EXPRESSION;",
        squawk_fires: true,
        instead: None,
        reason: "a column of a table created earlier in the same file is read by no deployed code yet",
    },
    Departure {
        rule: "ban-set-schema",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY);
              ALTER TABLE imports SET SCHEMA archive;",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file is named by no deployed code yet",
    },
    Departure {
        rule: "ban-alter-identity",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN line_no bigint NOT NULL;
              ALTER TABLE orders ALTER COLUMN line_no ADD GENERATED ALWAYS AS IDENTITY;",
        squawk_fires: true,
        instead: None,
        reason: "a column added earlier in the same file is written by no deployed code yet",
    },
    Departure {
        rule: "renaming-object",
        mode: Plain,
        sql: "CREATE VIEW recent_orders AS SELECT id FROM orders;
              ALTER VIEW recent_orders RENAME TO latest_orders;",
        squawk_fires: true,
        instead: None,
        reason: "a view created earlier in the same file is named by no deployed code yet",
    },
    Departure {
        rule: "renaming-object",
        mode: Plain,
        sql: "ALTER TRIGGER orders_touch ON orders RENAME TO orders_set_updated_at;",
        squawk_fires: true,
        instead: None,
        reason: "no query names a trigger, so renaming one breaks no client",
    },
    Departure {
        rule: "renaming-object",
        mode: Plain,
        sql: "ALTER POLICY orders_read ON orders RENAME TO orders_select_own;",
        squawk_fires: true,
        instead: None,
        reason: "no query names a policy, so renaming one breaks no client",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "SET lock_timeout = 0;
              ALTER TABLE orders ADD COLUMN gift boolean;",
        squawk_fires: false,
        instead: None,
        reason: "0 switches the timeout off: the statement can still wait for its lock for ever",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "SET lock_timeout = '1s';
              RESET lock_timeout;
              ALTER TABLE orders ADD COLUMN gift boolean;",
        squawk_fires: false,
        instead: None,
        reason: "RESET puts the server's default back, which is no timeout",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "BEGIN;
              SET LOCAL lock_timeout = '1s';
              COMMIT;
              ALTER TABLE orders ADD COLUMN gift boolean;",
        squawk_fires: false,
        instead: None,
        reason: "SET LOCAL ends with its transaction, which committed before the statement",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "SELECT set_config('lock_timeout', '1s', false);
              ALTER TABLE orders ADD COLUMN gift boolean;",
        squawk_fires: true,
        instead: None,
        reason: "set_config(..., false) sets the timeout for the session as SET does",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "CREATE VIEW order_ids AS SELECT id FROM orders;",
        squawk_fires: true,
        instead: None,
        reason: "creating a view locks no existing table at SHARE UPDATE EXCLUSIVE or stronger",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
        squawk_fires: true,
        instead: None,
        reason: "CREATE INDEX CONCURRENTLY lets reads and writes through while it waits",
    },
    Departure {
        rule: "require-lock-timeout",
        mode: Plain,
        sql: "CREATE TABLE shipments (id bigint PRIMARY KEY);
              ALTER TABLE shipments ADD COLUMN note text;",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file is new: locking it blocks no one",
    },
    Departure {
        rule: "require-statement-timeout",
        mode: Plain,
        sql: "SET statement_timeout = 0;
              ALTER TABLE orders ADD COLUMN gift boolean;",
        squawk_fires: false,
        instead: None,
        reason: "0 switches the timeout off: the statement can still run for ever",
    },
    Departure {
        rule: "require-statement-timeout",
        mode: Plain,
        sql: "SELECT set_config('statement_timeout', '5s', false);
              ALTER TABLE orders ADD COLUMN gift boolean;",
        squawk_fires: true,
        instead: None,
        reason: "set_config(..., false) sets the timeout for the session as SET does",
    },
    Departure {
        rule: "require-statement-timeout",
        mode: Plain,
        sql: "CREATE VIEW order_ids AS SELECT id FROM orders;",
        squawk_fires: true,
        instead: None,
        reason: "creating a view locks no existing table at SHARE UPDATE EXCLUSIVE or stronger",
    },
    Departure {
        rule: "require-concurrent-reindex",
        mode: Plain,
        sql: "CREATE TABLE shipments (id bigint PRIMARY KEY);
              REINDEX TABLE shipments;",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file is new and used by no one yet",
    },
    Departure {
        rule: "require-concurrent-partition-detach",
        mode: Plain,
        sql: "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
              CREATE TABLE events_2019 PARTITION OF events FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
              ALTER TABLE events DETACH PARTITION events_2019;",
        squawk_fires: true,
        instead: None,
        reason: "a partitioned table created earlier in the same file is used by no one yet",
    },
    Departure {
        rule: "require-enum-value-ordering",
        mode: Plain,
        sql: "CREATE TYPE mood AS ENUM ('sad', 'happy');
              ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';",
        squawk_fires: true,
        instead: None,
        reason: "IF NOT EXISTS of a label the enum already has adds nothing",
    },
    Departure {
        rule: "ban-drop-trigger",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY, updated_at timestamptz);
              CREATE TRIGGER imports_touch BEFORE UPDATE ON imports FOR EACH ROW EXECUTE FUNCTION touch();
              DROP TRIGGER imports_touch ON imports;",
        squawk_fires: true,
        instead: None,
        reason: "a trigger created earlier in the same file runs for no deployed client yet",
    },
    Departure {
        rule: "ban-drop-trigger",
        mode: InTx,
        sql: "DROP TRIGGER IF EXISTS orders_touch ON orders;
              CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();",
        squawk_fires: true,
        instead: None,
        reason: "a trigger dropped and made again in the same transaction (how triggers were \
                 changed before CREATE OR REPLACE TRIGGER) is never missing for a write",
    },
    Departure {
        rule: "ban-drop-index",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY, n int);
              CREATE INDEX imports_n_idx ON imports (n);
              DROP INDEX imports_n_idx;",
        squawk_fires: true,
        instead: None,
        reason: "an index built earlier in the same file serves no deployed query yet",
    },
    Departure {
        rule: "ban-drop-index",
        mode: InTx,
        sql: "DROP INDEX orders_customer_idx;
              CREATE INDEX orders_customer_idx ON orders (customer_id, created_at);",
        squawk_fires: true,
        instead: Some("require-concurrent-index-deletion"),
        reason: "an index built again under its name in the same transaction is there for \
                 every query after the commit; the lock is require-concurrent-index-deletion's",
    },
    Departure {
        rule: "ban-drop-policy",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY);
              ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
              CREATE POLICY imports_read ON imports FOR SELECT USING (true);
              DROP POLICY imports_read ON imports;",
        squawk_fires: true,
        instead: None,
        reason: "a policy of a table created earlier in the same file guards no deployed client yet",
    },
    Departure {
        rule: "ban-drop-policy",
        mode: InTx,
        sql: "DROP POLICY IF EXISTS orders_read ON orders;
              CREATE POLICY orders_read ON orders FOR SELECT TO authenticated USING (true);",
        squawk_fires: true,
        instead: Some("ban-create-policy"),
        reason: "a policy dropped and made again in the same transaction is never missing; \
                 ban-create-policy judges the new one",
    },
    Departure {
        rule: "ban-revoke",
        mode: Plain,
        sql: "CREATE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT total * 0.2 $$;
              REVOKE EXECUTE ON FUNCTION order_tax(numeric) FROM PUBLIC;",
        squawk_fires: true,
        instead: None,
        reason: "an object created earlier in the same file has no deployed client; locking it \
                 down where it is made is the usual hardening",
    },
    Departure {
        rule: "ban-revoke",
        mode: Plain,
        sql: "CREATE OR REPLACE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT total * 0.2 $$;
              REVOKE EXECUTE ON FUNCTION order_tax(numeric) FROM PUBLIC, anon;",
        squawk_fires: true,
        instead: None,
        reason: "CREATE OR REPLACE of a function that did not exist makes it in this file",
    },
    Departure {
        rule: "ban-revoke",
        mode: Plain,
        sql: "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
        squawk_fires: true,
        instead: None,
        reason: "default privileges change only objects made later, which no deployed client uses",
    },
    Departure {
        rule: "ban-revoke",
        mode: Plain,
        sql: "CREATE ROLE reporting;
              REVOKE SELECT ON orders FROM reporting;",
        squawk_fires: true,
        instead: None,
        reason: "a role created earlier in the same file has no sessions or code behind it yet",
    },
    Departure {
        rule: "ban-create-policy",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY);
              ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
              CREATE POLICY imports_read ON imports FOR SELECT USING (true);",
        squawk_fires: true,
        instead: None,
        reason: "policies of a table created earlier in the same file change no deployed client's rows",
    },
    Departure {
        rule: "ban-alter-policy-condition",
        mode: Plain,
        sql: "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
              CREATE POLICY orders_mine ON orders TO authenticated USING (true);
              ALTER POLICY orders_mine ON orders USING (owner_id = auth.uid());",
        squawk_fires: true,
        instead: Some("ban-create-policy"),
        reason: "a policy created earlier in the same file guards no deployed client yet; its creation is reported",
    },
    Departure {
        rule: "ban-alter-policy-roles",
        mode: Plain,
        sql: "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
              CREATE POLICY orders_mine ON orders TO authenticated USING (true);
              ALTER POLICY orders_mine ON orders TO authenticated, anon;",
        squawk_fires: true,
        instead: Some("ban-create-policy"),
        reason: "a policy created earlier in the same file guards no deployed client yet; its creation is reported",
    },
    Departure {
        rule: "ban-alter-row-level-security",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY);
              ALTER TABLE imports ENABLE ROW LEVEL SECURITY;",
        squawk_fires: true,
        instead: None,
        reason: "enabling RLS on a table created earlier in the same file is how a new table is secured; no client used it",
    },
    Departure {
        rule: "ban-disable-trigger",
        mode: Plain,
        sql: "ALTER TABLE orders DISABLE ROW LEVEL SECURITY;",
        squawk_fires: true,
        instead: Some("ban-alter-row-level-security"),
        reason: "row-level security is ban-alter-row-level-security's; this rule is about triggers and rules",
    },
    Departure {
        rule: "ban-disable-trigger",
        mode: Plain,
        sql: "ALTER TABLE orders FORCE ROW LEVEL SECURITY;",
        squawk_fires: true,
        instead: Some("ban-alter-row-level-security"),
        reason: "row-level security is ban-alter-row-level-security's; this rule is about triggers and rules",
    },
    Departure {
        rule: "ban-disable-trigger",
        mode: InTx,
        sql: "ALTER TABLE orders DISABLE TRIGGER USER;
              UPDATE orders SET total = 0 WHERE total IS NULL;
              ALTER TABLE orders ENABLE TRIGGER USER;",
        squawk_fires: true,
        instead: None,
        reason: "triggers switched off and on again in one transaction: other writes wait for the lock and never run without them",
    },
    Departure {
        rule: "ban-disable-trigger",
        mode: Plain,
        sql: "CREATE TABLE imports (id bigint PRIMARY KEY);
              ALTER TABLE imports DISABLE TRIGGER ALL;",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file has no client that relies on its triggers",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';",
        squawk_fires: true,
        instead: None,
        reason: "existing clients do not name a column added now: they get its default, which NOT NULL accepts",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;",
        squawk_fires: true,
        instead: None,
        reason: "existing clients get a fresh random value in a column added now, which NOT NULL and UNIQUE accept",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);",
        squawk_fires: true,
        instead: None,
        reason: "existing clients write NULL to a column added now without a default, which the foreign key accepts",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN coupon_id bigint;
              ALTER TABLE orders ADD CONSTRAINT orders_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupons (id) NOT VALID;",
        squawk_fires: true,
        instead: None,
        reason: "a key on columns added earlier in the same file without a default sees only NULL from existing clients",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_idx;",
        squawk_fires: true,
        instead: None,
        reason: "the unique index refused duplicates already: the constraint refuses no new write",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "CREATE DOMAIN positive_amount AS numeric;
              ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);",
        squawk_fires: true,
        instead: None,
        reason: "a domain created earlier in the same file types no column that clients write",
    },
    Departure {
        rule: "ban-set-default",
        mode: Plain,
        sql: "CREATE TABLE shipments (id bigint PRIMARY KEY, status text);
              ALTER TABLE shipments ALTER COLUMN status SET DEFAULT 'new';",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file has no deployed writer",
    },
    Departure {
        rule: "ban-set-default",
        mode: Plain,
        sql: "ALTER TABLE orders ADD COLUMN source text;
              ALTER TABLE orders ALTER COLUMN source SET DEFAULT 'web';",
        squawk_fires: true,
        instead: None,
        reason: "a column added earlier in the same file is written by no deployed client; old rows keep NULL",
    },
    Departure {
        rule: "ban-replace-view-function",
        mode: Plain,
        sql: "CREATE VIEW order_ids AS SELECT id FROM orders;
              CREATE OR REPLACE VIEW order_ids AS SELECT id, total FROM orders;",
        squawk_fires: true,
        instead: None,
        reason: "a view created earlier in the same file is read by no deployed client yet",
    },
    Departure {
        rule: "ban-replace-view-function",
        mode: Plain,
        sql: "CREATE OR REPLACE TEMP VIEW scratch AS SELECT 1 AS one;",
        squawk_fires: true,
        instead: None,
        reason: "a temporary view lives in the migration's session only",
    },
    Departure {
        rule: "ban-alter-function-options",
        mode: Plain,
        sql: "CREATE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT total * 0.2 $$;
              ALTER FUNCTION order_tax(numeric) SET search_path = '';",
        squawk_fires: true,
        instead: None,
        reason: "a function created earlier in the same file is called by no deployed code yet; pinning its search_path there is the usual hardening",
    },
    Departure {
        rule: "ban-alter-function-options",
        mode: Plain,
        sql: "CREATE OR REPLACE FUNCTION order_tax(total numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT total * 0.2 $$;
              ALTER FUNCTION order_tax(numeric) SECURITY INVOKER;",
        squawk_fires: true,
        instead: None,
        reason: "CREATE OR REPLACE of a function that did not exist makes it in this file",
    },
    Departure {
        rule: "ban-alter-view-options",
        mode: Plain,
        sql: "CREATE VIEW order_ids AS SELECT id FROM orders;
              ALTER VIEW order_ids SET (security_invoker = true);",
        squawk_fires: true,
        instead: None,
        reason: "a view created earlier in the same file is read by no deployed client yet",
    },
    Departure {
        rule: "ban-alter-sequence-values",
        mode: Plain,
        sql: "CREATE TABLE shipments (id serial PRIMARY KEY);
              ALTER SEQUENCE shipments_id_seq RESTART WITH 5;",
        squawk_fires: true,
        instead: None,
        reason: "the sequence of a serial column created earlier in the same file has handed out nothing to deployed code",
    },
    Departure {
        rule: "ban-alter-generated-expression",
        mode: Plain,
        sql: "ALTER TABLE prices ADD COLUMN gross numeric GENERATED ALWAYS AS (net * 1.2) STORED;",
        squawk_fires: true,
        instead: Some("adding-field-with-default"),
        reason: "adding a generated column changes no expression existing readers rely on; the rewrite is adding-field-with-default's",
    },
    Departure {
        rule: "ban-alter-generated-expression",
        mode: Plain,
        sql: "CREATE TABLE prices (id bigint PRIMARY KEY, net numeric, gross numeric GENERATED ALWAYS AS (net * 1.2) STORED);
              ALTER TABLE prices ALTER COLUMN gross SET EXPRESSION AS (net * 1.25);",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file has no deployed reader",
    },
    Departure {
        rule: "ban-replica-identity",
        mode: Plain,
        sql: "CREATE TABLE shipments (id bigint PRIMARY KEY);
              ALTER TABLE shipments REPLICA IDENTITY FULL;",
        squawk_fires: true,
        instead: None,
        reason: "a table created earlier in the same file has sent no change to any consumer",
    },
    Departure {
        rule: "ban-replica-identity",
        mode: Plain,
        sql: "CREATE PUBLICATION order_feed FOR TABLE orders;
              ALTER PUBLICATION order_feed SET (publish = 'insert');",
        squawk_fires: true,
        instead: None,
        reason: "a publication created earlier in the same file has no subscriber yet",
    },
    Departure {
        rule: "ban-detach-inheritance",
        mode: Plain,
        sql: "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
              ALTER TABLE events DETACH PARTITION events_2025;",
        squawk_fires: true,
        instead: None,
        reason: "a partition created earlier in the same file holds only rows that file wrote",
    },
    Departure {
        rule: "ban-alter-extension",
        mode: Plain,
        sql: "CREATE EXTENSION IF NOT EXISTS pg_trgm;
              ALTER EXTENSION pg_trgm UPDATE;",
        squawk_fires: true,
        instead: None,
        reason: "an extension created earlier in the same file is used by no deployed code yet",
    },
    Departure {
        rule: "ban-alter-role-options",
        mode: Plain,
        sql: "CREATE ROLE reporting;
              ALTER ROLE reporting NOLOGIN;",
        squawk_fires: true,
        instead: None,
        reason: "a role created earlier in the same file has no sessions or code behind it yet",
    },
    Departure {
        rule: "ban-drop-trigger",
        mode: Plain,
        sql: "DROP TRIGGER IF EXISTS orders_touch ON orders;
              DROP TABLE orders;",
        squawk_fires: true,
        instead: Some("ban-drop-table"),
        reason: "the teardown of a table a later statement of the file drops goes with it; the drop is reported",
    },
    Departure {
        rule: "ban-drop-policy",
        mode: Plain,
        sql: "DROP POLICY orders_read ON orders;
              DROP TABLE orders;",
        squawk_fires: true,
        instead: Some("ban-drop-table"),
        reason: "the teardown of a table a later statement of the file drops goes with it; the drop is reported",
    },
    Departure {
        rule: "ban-revoke",
        mode: Plain,
        sql: "REVOKE SELECT ON TABLE orders FROM anon;
              DROP TABLE orders;",
        squawk_fires: true,
        instead: Some("ban-drop-table"),
        reason: "privileges on a table a later statement of the file drops go with it; the drop is reported",
    },
    Departure {
        rule: "ban-drop-trigger",
        mode: Plain,
        sql: "DROP TRIGGER IF EXISTS orders_touch ON orders;
              DROP TABLE orders;",
        squawk_fires: true,
        instead: Some("ban-drop-table"),
        reason: "the teardown of a table a later statement of the file drops goes with it; the drop is reported",
    },
    Departure {
        rule: "ban-drop-policy",
        mode: Plain,
        sql: "DROP POLICY orders_read ON orders;
              DROP TABLE orders;",
        squawk_fires: true,
        instead: Some("ban-drop-table"),
        reason: "the teardown of a table a later statement of the file drops goes with it; the drop is reported",
    },
    Departure {
        rule: "ban-revoke",
        mode: Plain,
        sql: "REVOKE SELECT ON TABLE orders FROM anon;
              DROP TABLE orders;",
        squawk_fires: true,
        instead: Some("ban-drop-table"),
        reason: "privileges on a table a later statement of the file drops go with it; the drop is reported",
    },
    // The departures below were found by running squawk 2.70's own rule
    // tests against pgvet (docs/coming-from-squawk.md); the SQL is ours.
    Departure {
        rule: "adding-field-with-default",
        mode: Pg11,
        sql: "ALTER TABLE invoices ADD COLUMN currency text DEFAULT 'EUR';",
        squawk_fires: true,
        instead: None,
        reason: "PostgreSQL 11 is the release that stopped rewriting the table for a constant default",
    },
    Departure {
        rule: "adding-not-nullable-field",
        mode: Plain,
        sql: "ALTER TABLE invoices VALIDATE CONSTRAINT invoices_due_on_present;
              ALTER TABLE invoices ALTER COLUMN due_on SET NOT NULL;",
        squawk_fires: false,
        instead: None,
        reason: "validating a constraint pgvet has not seen proves nothing about the column; \
                 squawk takes it as the IS NOT NULL check",
    },
    Departure {
        rule: "adding-foreign-key-constraint",
        mode: Plain,
        sql: "BEGIN;
              CREATE TABLE refunds (id bigint PRIMARY KEY, payment_id bigint);
              COMMIT;
              ALTER TABLE refunds ADD CONSTRAINT refunds_payment_fk
                FOREIGN KEY (payment_id) REFERENCES payments (id);",
        squawk_fires: true,
        instead: None,
        reason: NEW_TABLE,
    },
    Departure {
        rule: "constraint-missing-not-valid",
        mode: Plain,
        sql: "BEGIN;
              CREATE TABLE refunds (id bigint PRIMARY KEY, amount numeric);
              COMMIT;
              ALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount > 0);",
        squawk_fires: true,
        instead: None,
        reason: NEW_TABLE,
    },
    Departure {
        rule: "disallowed-unique-constraint",
        mode: Plain,
        sql: "BEGIN;
              CREATE TABLE refunds (id bigint PRIMARY KEY, ref text);
              COMMIT;
              ALTER TABLE refunds ADD CONSTRAINT refunds_ref_key UNIQUE (ref);",
        squawk_fires: true,
        instead: None,
        reason: NEW_TABLE,
    },
    Departure {
        rule: "adding-serial-primary-key-field",
        mode: Plain,
        sql: "BEGIN;
              CREATE TABLE refund_notes (body text);
              COMMIT;
              ALTER TABLE refund_notes ADD COLUMN id bigserial PRIMARY KEY;",
        squawk_fires: true,
        instead: None,
        reason: NEW_TABLE,
    },
    Departure {
        rule: "ban-concurrent-index-creation-in-transaction",
        mode: InTx,
        sql: "CREATE INDEX CONCURRENTLY payments_created_idx ON payments (created_at);",
        squawk_fires: false,
        instead: None,
        reason: "the transaction mode says the tool wraps every file; squawk guesses that a \
                 file of one statement runs without it",
    },
    Departure {
        rule: "transaction-nesting",
        mode: InTx,
        sql: "-- squawk-disable-assume-in-transaction
              BEGIN;
              UPDATE settings SET value = 'on' WHERE key = 'beta';
              COMMIT;",
        squawk_fires: false,
        instead: None,
        reason: "squawk's comment is not read; a file says it runs without the tool's \
                 transaction in its runner's way or through migrations.transaction",
    },
    Departure {
        rule: "prefer-identity",
        mode: Plain,
        sql: "CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
              CREATE TABLE tags (id bigserial PRIMARY KEY);",
        squawk_fires: true,
        instead: Some("object-already-exists"),
        reason: "PostgreSQL rejects a CREATE TABLE of a table the file made already; its columns are not judged",
    },
    Departure {
        rule: "prefer-bigint-over-int",
        mode: AllColumns,
        sql: "CREATE TABLE tags (id bigint PRIMARY KEY);
              CREATE TABLE tags (id integer PRIMARY KEY);",
        squawk_fires: true,
        instead: Some("object-already-exists"),
        reason: "PostgreSQL rejects a CREATE TABLE of a table the file made already; its columns are not judged",
    },
    Departure {
        rule: "prefer-bigint-over-smallint",
        mode: AllColumns,
        sql: "CREATE TABLE tags (id bigint PRIMARY KEY);
              CREATE TABLE tags (id smallint PRIMARY KEY);",
        squawk_fires: true,
        instead: Some("object-already-exists"),
        reason: "PostgreSQL rejects a CREATE TABLE of a table the file made already; its columns are not judged",
    },
    Departure {
        rule: "prefer-robust-stmts",
        mode: Plain,
        sql: "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_ref_key;
              ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);
              ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);",
        squawk_fires: true,
        instead: Some("object-already-exists"),
        reason: "the second ADD CONSTRAINT of the name fails on the first run, not only on a rerun",
    },
    Departure {
        rule: "ban-new-write-restriction",
        mode: Plain,
        sql: "ALTER TABLE payments ALTER CONSTRAINT payments_order_fk DEFERRABLE INITIALLY DEFERRED;",
        squawk_fires: true,
        instead: None,
        reason: "checking a key at commit instead of at once rejects no write that passed before",
    },
    Departure {
        rule: "ban-drop-view",
        mode: Plain,
        sql: "ALTER VIEW order_summaries RENAME TO order_summaries_old;
              DROP VIEW IF EXISTS order_summaries;",
        squawk_fires: true,
        instead: None,
        reason: "a name an earlier statement of the run dropped or renamed away, or whose \
                 schema it dropped, holds nothing: assume_existing covers what no migration \
                 touched, and this IF EXISTS drops nothing",
    },
    Departure {
        rule: "ban-drop-function",
        mode: Plain,
        sql: "DROP SCHEMA billing CASCADE;
              DROP FUNCTION IF EXISTS billing.invoice_total(bigint);",
        squawk_fires: true,
        instead: Some("ban-drop-schema"),
        reason: "a name an earlier statement of the run dropped or renamed away, or whose \
                 schema it dropped, holds nothing: assume_existing covers what no migration \
                 touched, and this IF EXISTS drops nothing",
    },
    Departure {
        rule: "ban-replace-view-function",
        mode: Plain,
        sql: "DROP VIEW IF EXISTS order_ids;
              CREATE OR REPLACE VIEW order_ids AS SELECT id FROM orders;",
        squawk_fires: true,
        instead: Some("ban-drop-view"),
        reason: "a view the file dropped is made again, not replaced; the drop is reported",
    },
    Departure {
        rule: "ban-add-column",
        mode: Plain,
        sql: "DROP TABLE IF EXISTS coupons;
              CREATE TABLE IF NOT EXISTS coupons (code text PRIMARY KEY);
              ALTER TABLE coupons ADD COLUMN expires_at timestamptz;",
        squawk_fires: true,
        instead: None,
        reason: "a table the file dropped and made again is new to the file, IF NOT EXISTS or not",
    },
];

fn rule_id(id: &str) -> Option<&'static str> {
    pgvet::rules::find(id).map(|r| r.id())
}

/// Whether `rule` (or its canonical id) reports anything on `sql`.
fn fires(rule: &str, mode: Mode, sql: &str) -> Result<bool, String> {
    let canonical = rule_id(rule).ok_or_else(|| format!("rule {rule} does not exist"))?;
    let mut options = BTreeMap::new();
    if mode == AllColumns {
        let value: serde_norway::Value =
            serde_norway::from_str("columns: all").map_err(|e| e.to_string())?;
        options.insert(rule.to_string(), value);
    }
    let cfg = Config {
        select: Some(vec![rule.to_string()]),
        assume_existing: true,
        options,
        postgres_version: (mode == Pg11).then_some(11),
        ..Default::default()
    };
    let mut settings = Settings::for_platform(Platform::Postgres);
    if mode == InTx {
        settings.transaction = TransactionMode::PerFile;
    }
    let report = pgvet::lint_sources(vec![("squawk.sql".into(), sql.into())], &cfg, &settings);
    if !report.errors.is_empty() {
        return Err(format!("input errors: {:?}", report.errors));
    }
    Ok(report.findings.iter().any(|f| f.rule == canonical))
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn verdict(fire: bool) -> &'static str {
    if fire {
        "fires"
    } else {
        "quiet"
    }
}

#[test]
fn every_shared_squawk_rule_exists() {
    let missing: Vec<&str> = SHARED
        .iter()
        .copied()
        .filter(|id| rule_id(id).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "squawk rules pgvet should have but does not: {}",
        missing.join(", ")
    );
}

#[test]
fn every_shared_rule_has_cases() {
    let without: Vec<&str> = SHARED
        .iter()
        .copied()
        .filter(|id| !CASES.iter().any(|(rule, ..)| rule == id))
        .collect();
    assert!(without.is_empty(), "no cases for: {}", without.join(", "));
}

#[test]
fn pgvet_agrees_with_squawk_docs() {
    let mut missing = Vec::new();
    let mut mismatches = Vec::new();
    for &(rule, mode, sql, expect) in CASES {
        if rule_id(rule).is_none() {
            if !missing.contains(&rule) {
                missing.push(rule);
            }
            continue;
        }
        match fires(rule, mode, sql) {
            Ok(got) if got == expect => {}
            Ok(got) => mismatches.push(format!(
                "  {rule} [{mode:?}]: squawk {}, pgvet {}\n    {}",
                verdict(expect),
                verdict(got),
                one_line(sql)
            )),
            Err(e) => mismatches.push(format!("  {rule} [{mode:?}]: {e}\n    {}", one_line(sql))),
        }
    }
    let mut message = String::new();
    if !missing.is_empty() {
        message.push_str(&format!("missing rules: {}\n", missing.join(", ")));
    }
    if !mismatches.is_empty() {
        message.push_str(&format!(
            "{} case(s) disagree with squawk:\n{}\n",
            mismatches.len(),
            mismatches.join("\n")
        ));
    }
    assert!(message.is_empty(), "{message}");
}

#[test]
fn deliberate_departures_from_squawk_hold() {
    let mut broken = Vec::new();
    for d in DEPARTURES {
        let sql = one_line(d.sql);
        match fires(d.rule, d.mode, d.sql) {
            Ok(got) if got != d.squawk_fires => {}
            Ok(got) => broken.push(format!(
                "  {} [{:?}]: pgvet now {} like squawk, but it should not ({})\n    {sql}",
                d.rule,
                d.mode,
                verdict(got),
                d.reason
            )),
            Err(e) => broken.push(format!("  {} [{:?}]: {e}\n    {sql}", d.rule, d.mode)),
        }
        if let Some(other) = d.instead {
            match fires(other, d.mode, d.sql) {
                Ok(true) => {}
                Ok(false) => broken.push(format!(
                    "  {other} [{:?}]: should report what {} leaves out ({})\n    {sql}",
                    d.mode, d.rule, d.reason
                )),
                Err(e) => broken.push(format!("  {other} [{:?}]: {e}\n    {sql}", d.mode)),
            }
        }
    }
    assert!(
        broken.is_empty(),
        "departures from squawk that no longer hold:\n{}",
        broken.join("\n")
    );
}
