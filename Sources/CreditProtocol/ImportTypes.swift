/// One row of a credit import.
public struct ImportRow: Codable, Sendable, Equatable {
    public var client: String
    public var sessionType: String
    public var credits: Int64
    public var expiresOn: String?
    public var note: String?
    /// The row's line in the source file, echoed in errors.
    public var line: Int?
    enum CodingKeys: String, CodingKey {
        case client, sessionType = "session_type", credits, expiresOn = "expires_on", note, line
    }
    public init(client: String, sessionType: String, credits: Int64, expiresOn: String? = nil, note: String? = nil,
                line: Int? = nil) {
        self.client = client
        self.sessionType = sessionType
        self.credits = credits
        self.expiresOn = expiresOn
        self.note = note
        self.line = line
    }
}

/// `import.stage`: adds rows to an import; `reset` first discards what was staged under that id.
public struct ImportStageParams: MutatingParams {
    public var `import`: String
    public var rows: [ImportRow]
    public var reset: Bool?
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case `import`, rows, reset, idempotencyKey = "idempotency_key", staff
    }
    public init(import id: String, rows: [ImportRow], reset: Bool? = nil, idempotencyKey: String? = nil,
                staff: String? = nil) {
        self.import = id
        self.rows = rows
        self.reset = reset
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `import.commit` / `import.abort`.
public struct ImportCommitParams: MutatingParams {
    public var `import`: String
    public var idempotencyKey: String?
    public var staff: String?
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case `import`, idempotencyKey = "idempotency_key", staff
    }
    public init(import id: String, idempotencyKey: String? = nil, staff: String? = nil) {
        self.import = id
        self.idempotencyKey = idempotencyKey
        self.staff = staff
    }
}

/// `import.stage`, `import.commit` and `import.abort` result.
public struct ImportResult: Codable, Sendable, Equatable {
    public var `import`: String
    /// Rows staged (stage), issued (commit) or discarded (abort).
    public var rows: Int
    public var credits: Int64
    public var committed: Bool
    public init(import id: String, rows: Int, credits: Int64, committed: Bool) {
        self.import = id
        self.rows = rows
        self.credits = credits
        self.committed = committed
    }
}
