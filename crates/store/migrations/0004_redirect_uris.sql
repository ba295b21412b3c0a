-- Registered redirect URIs of an application (space-separated absolute http(s) URLs): the
-- authorization-code flow sends a browser back only to one of these.
ALTER TABLE applications ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '';
