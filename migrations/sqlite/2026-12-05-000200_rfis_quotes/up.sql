-- Requests for information and quote (issue 14): one row per CDMO asked; the RFIs
-- sent together share `request_id`.
CREATE TABLE rfis (
    id                          TEXT PRIMARY KEY NOT NULL,
    request_id                  TEXT NOT NULL,
    sponsor_organization_id     TEXT NOT NULL REFERENCES organizations (id),
    cdmo_organization_id        TEXT NOT NULL REFERENCES organizations (id),
    program_id                  TEXT NOT NULL REFERENCES programs (id),
    -- JSON: which parts of the programme are disclosed.
    disclosure                  TEXT NOT NULL,
    -- JSON: the disclosed parts, as they were when sent.
    program                     TEXT NOT NULL,
    sponsor_name_withheld       BOOLEAN NOT NULL,
    message                     TEXT,
    response_deadline           TIMESTAMP NOT NULL,
    state                       TEXT NOT NULL CHECK (state IN ('open', 'quoted', 'declined', 'expired')),
    confidentiality_accepted_at TIMESTAMP,
    confidentiality_accepted_by TEXT,
    decline_reason              TEXT,
    created_by                  TEXT NOT NULL,
    created_at                  TIMESTAMP NOT NULL,
    updated_at                  TIMESTAMP NOT NULL,
    UNIQUE (request_id, cdmo_organization_id)
);
CREATE INDEX rfis_sponsor ON rfis (sponsor_organization_id, id);
CREATE INDEX rfis_cdmo ON rfis (cdmo_organization_id, id);
CREATE INDEX rfis_due ON rfis (state, response_deadline);

-- Quotes: at most one per RFI.
CREATE TABLE quotes (
    id                      TEXT PRIMARY KEY NOT NULL,
    rfi_id                  TEXT NOT NULL UNIQUE REFERENCES rfis (id),
    request_id              TEXT NOT NULL,
    sponsor_organization_id TEXT NOT NULL REFERENCES organizations (id),
    cdmo_organization_id    TEXT NOT NULL REFERENCES organizations (id),
    program_id              TEXT NOT NULL REFERENCES programs (id),
    price_per_batch         BIGINT NOT NULL,
    currency                TEXT NOT NULL,
    tech_transfer_cost      BIGINT,
    tech_transfer_weeks     INTEGER,
    -- JSON: the offered slots with their blocks' periods.
    slots_offered           TEXT NOT NULL,
    valid_until             TIMESTAMP NOT NULL,
    assumptions             TEXT,
    -- JSON: documents by reference.
    attachments             TEXT NOT NULL,
    state                   TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'declined', 'expired')),
    decline_reason          TEXT,
    -- JSON: the holds an acceptance placed.
    reservation_ids         TEXT NOT NULL,
    created_by              TEXT NOT NULL,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE INDEX quotes_program ON quotes (program_id, id);
CREATE INDEX quotes_due ON quotes (state, valid_until);

-- One accepted quote per request: the key refuses a second acceptance, across
-- processes too.
CREATE TABLE rfi_awards (
    request_id TEXT PRIMARY KEY NOT NULL,
    quote_id   TEXT NOT NULL REFERENCES quotes (id),
    awarded_at TIMESTAMP NOT NULL
);
