-- PIM users have a role (the PIM's published facts: "valid token lacking the tenant/org or role →
-- 403"): an editor changes the catalog (bulk jobs) and reads it; a viewer reads it (lists, the
-- audit log, exports) and is refused a bulk job with PIM_012. Every user so far is an editor, as
-- every user could do everything until now.
alter table pim_users add column role text not null default 'editor' constraint pim_users_role_check check (role in ('editor', 'viewer'));
