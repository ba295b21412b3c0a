-- Call queues (ACD groups) of an enterprise and their agents, managed through the MBN Queue API.
-- A queue's number is its entry in short_numbers (kind 'queue', target = queue id), as a
-- member's short number is. Portable SQL as in 0003: epoch milliseconds, 0/1 flags, TEXT.

CREATE TABLE queues (
    id                    TEXT PRIMARY KEY,
    enterprise_id         TEXT NOT NULL REFERENCES enterprises (id),
    name                  TEXT NOT NULL,
    strategy              TEXT NOT NULL,
    ring_timeout          BIGINT NOT NULL,
    max_length            BIGINT NOT NULL,
    max_wait              BIGINT NOT NULL,
    max_wait_no_agent     BIGINT NOT NULL,
    wrap_up_time          BIGINT NOT NULL,
    -- Destinations as stored by call forwarding: E.164 digits or a short number of the plan.
    overflow_target       TEXT,
    no_agent_target       TEXT,
    service_level_seconds BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    UNIQUE (enterprise_id, name)
);

-- A member's place in a queue and the state the member set there (loggedOff, notReady, ready,
-- workingAfterCall; a reason only with notReady).
CREATE TABLE queue_agents (
    queue_id         TEXT NOT NULL REFERENCES queues (id),
    member_id        TEXT NOT NULL REFERENCES members (id),
    position         BIGINT NOT NULL,
    state            TEXT NOT NULL,
    reason           TEXT,
    state_changed_at BIGINT NOT NULL,
    added_at         BIGINT NOT NULL,
    PRIMARY KEY (queue_id, member_id)
);
CREATE INDEX queue_agents_member ON queue_agents (member_id);

-- Queue entries of plans made before queues were stored become queues with the default
-- settings (one queue per id; the enterprise's first entry wins).
INSERT INTO queues (id, enterprise_id, name, strategy, ring_timeout, max_length, max_wait,
                    max_wait_no_agent, wrap_up_time, overflow_target, no_agent_target,
                    service_level_seconds, created_at, updated_at)
SELECT s.target, s.enterprise_id, 'Queue ' || s.short_number, 'ringAll', 20, 10, 300, 30, 10,
       NULL, NULL, 20, e.created_at, e.created_at
FROM short_numbers s JOIN enterprises e ON e.id = s.enterprise_id
WHERE s.kind = 'queue' AND NOT EXISTS (
    SELECT 1 FROM short_numbers o WHERE o.kind = 'queue' AND o.target = s.target
    AND (o.enterprise_id < s.enterprise_id
         OR (o.enterprise_id = s.enterprise_id AND o.short_number < s.short_number)));
