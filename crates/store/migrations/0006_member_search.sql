-- Member search ("contains, case-insensitive" over the name, the e-mail and the mobile number)
-- reads one indexed expression instead of three per row: the index holds the lowered text, so a
-- search scans the enterprise's index entries only, never the table. The query in
-- store/src/directory/members.rs (SEARCH_TEXT) must repeat this expression exactly; the newline
-- between the parts keeps a match from spanning two of them.
CREATE INDEX members_search ON members (enterprise_id, (LOWER(first_name || ' ' || last_name) || '
' || LOWER(email) || '
' || mobile), id);
