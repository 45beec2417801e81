"""The SQLite schema of a tenant. Members are keyed by an internal `uid`, since a
deleted member keeps their row (for restore) while their User ID, emails and
phone become free for others: uniqueness holds among members not deleted."""

from __future__ import annotations

SCHEMA_VERSION = 1

RESOURCE_KINDS = (
    "docs",
    "minutes",
    "calendar_future",
    "calendar_past",
    "apps",
    "chat_groups",
    "external_groups",
    "department_groups",
    "mail",
    "helpdesks",
    "approvals",
    "forms",
    "surveys",
)

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenant (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    name TEXT NOT NULL,
    founder TEXT NOT NULL,
    today TEXT,
    require_approval INTEGER NOT NULL DEFAULT 0,
    expire_after_days INTEGER NOT NULL DEFAULT 7,
    notify_contact_changes TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS admins (
    member TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('primary', 'billing', 'member_and_department')),
    PRIMARY KEY (member, role)
);
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY,
    edition TEXT NOT NULL CHECK (edition IN ('starter', 'basic', 'pro', 'enterprise')),
    seats INTEGER NOT NULL CHECK (seats >= 0),
    starts TEXT NOT NULL,
    expires TEXT NOT NULL,
    trial INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fields (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    options TEXT,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent TEXT REFERENCES departments (id),
    leader TEXT,
    group_chat INTEGER NOT NULL DEFAULT 0,
    sort_order INTEGER,
    position INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS departments_sibling_name ON departments (coalesce(parent, ''), name);
CREATE UNIQUE INDEX IF NOT EXISTS departments_sibling_order
    ON departments (coalesce(parent, ''), sort_order) WHERE sort_order IS NOT NULL;
CREATE TABLE IF NOT EXISTS members (
    uid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    work_email TEXT,
    business_email TEXT,
    phone TEXT,
    login TEXT,
    employee_id TEXT,
    workforce_type TEXT NOT NULL DEFAULT 'regular',
    gender TEXT NOT NULL DEFAULT 'unspecified',
    hide_phone INTEGER NOT NULL DEFAULT 0,
    job TEXT NOT NULL DEFAULT '{}',
    manager TEXT,
    custom TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('invited', 'inactive', 'active', 'suspended', 'deleted')),
    deleted_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS members_id ON members (id) WHERE status != 'deleted';
CREATE UNIQUE INDEX IF NOT EXISTS members_work_email
    ON members (lower(work_email)) WHERE status != 'deleted' AND work_email IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS members_business_email
    ON members (lower(business_email)) WHERE status != 'deleted' AND business_email IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS members_phone ON members (phone) WHERE status != 'deleted' AND phone IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS members_employee_id
    ON members (employee_id) WHERE status != 'deleted' AND employee_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS members_department ON members (department) WHERE status != 'deleted';
CREATE INDEX IF NOT EXISTS members_manager ON members (manager) WHERE status != 'deleted';
CREATE INDEX IF NOT EXISTS members_deleted_id ON members (id, deleted_at) WHERE status = 'deleted';
CREATE TABLE IF NOT EXISTS member_departments (
    uid INTEGER NOT NULL REFERENCES members (uid),
    department TEXT NOT NULL REFERENCES departments (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (uid, department)
);
CREATE INDEX IF NOT EXISTS member_departments_department ON member_departments (department);
CREATE TABLE IF NOT EXISTS seats (
    uid INTEGER PRIMARY KEY REFERENCES members (uid),
    plan TEXT NOT NULL REFERENCES plans (id),
    source TEXT NOT NULL CHECK (source IN ('explicit', 'group', 'rule', 'auto')),
    via TEXT
);
CREATE INDEX IF NOT EXISTS seats_plan ON seats (plan);
CREATE TABLE IF NOT EXISTS user_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    seat TEXT REFERENCES plans (id),
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL REFERENCES user_groups (id),
    uid INTEGER NOT NULL REFERENCES members (uid),
    position INTEGER NOT NULL,
    PRIMARY KEY (group_id, uid)
);
CREATE INDEX IF NOT EXISTS group_members_uid ON group_members (uid);
CREATE TABLE IF NOT EXISTS resources (
    uid INTEGER NOT NULL REFERENCES members (uid),
    kind TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (uid, kind)
);
CREATE TABLE IF NOT EXISTS transfers (
    seq INTEGER PRIMARY KEY,
    uid INTEGER NOT NULL REFERENCES members (uid),
    kind TEXT NOT NULL,
    recipient TEXT,
    count INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    is_default INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retention (
    uid INTEGER PRIMARY KEY REFERENCES members (uid),
    docs INTEGER NOT NULL,
    mail INTEGER NOT NULL,
    minutes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS password_resets (
    seq INTEGER PRIMARY KEY,
    admin TEXT NOT NULL,
    member TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY,
    member TEXT NOT NULL,
    field TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS client_tokens (
    token TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    digest TEXT NOT NULL,
    target TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    operation TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""
