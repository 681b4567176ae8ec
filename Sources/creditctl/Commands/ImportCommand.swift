import ArgumentParser
import CreditProtocol
import Foundation

/// `credit import FILE.csv`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Issue credits from a CSV file, checking every row before anything is sent.",
        discussion: """
            The file has a header line naming its columns: client_id, session_type, credits, and \
            optionally expires_on (YYYY-MM-DD, valid through that local date) and note (at most \
            500 characters). Fields follow RFC 4180: quote a field holding a comma, quote or line \
            break, and double the quotes inside it.

            How it stays safe: first the whole file is read and every bad row is reported with \
            its line number (nothing is sent if any row is bad). Then creditctl asks the daemon \
            whether every client and session type exists and is not archived, and again reports \
            every row that would fail. Only then are the rows issued, as credit.issue calls sent \
            in batches of 256.

            What it cannot promise: the daemon applies each call of a batch on its own, so the \
            import is not one transaction. If it is interrupted (the daemon stops, a type is \
            archived meanwhile, permission is lost), the rows sent so far stay issued and the \
            command says which line failed. Each row carries an idempotency key made from its \
            content (--idempotency-key PREFIX, default "import", then a digest of the row and a \
            count of identical rows before it), so running the same command again finishes the \
            import without issuing any row twice, even after fixing a bad row. Keys are kept by \
            the daemon for at least 30 days; to import the same rows again on purpose, give a \
            new --idempotency-key. Use the same --staff on a re-run: a different staff name \
            makes the same key conflict.
            """)
    @Argument(help: "The CSV file.", completion: .file(extensions: ["csv"])) var file: String
    @Flag(help: "Only check the file and the daemon's clients and session types; issue nothing.") var check = false
    @OptionGroup var connection: Connection
    @OptionGroup var mutation: Mutation

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CtlError.badInput("cannot read \(file)")
        }
        let prefix = mutation.idempotencyKey ?? "import"
        guard prefix.count <= Limits.idempotencyKeyCharactersMax - 48 else {
            throw CtlError.usage("--idempotency-key is a prefix here: at most \(Limits.idempotencyKeyCharactersMax - 48) characters")
        }
        let (rows, problems) = ImportFile.read(Array(data), keyPrefix: prefix)
        try reject(problems, "bad")
        let rpc = try connection.connect()
        try reject(try Importer.precheck(rpc, rows), "failing")
        let clients = Set(rows.map(\.client)).count
        let credits = rows.reduce(Int64(0)) { $0 + $1.credits }
        let summary = "\(rows.count) rows, \(credits) credits for \(clients) clients"
        if check {
            return connection.output.emit(raw: Importer.summaryJSON(rows: rows.count, credits: credits, clients: clients, imported: false)) {
                "\(file): \(summary); all rows check out, nothing was imported (--check)"
            }
        }
        try Importer.issue(rpc, rows, file: file, mutation: mutation)
        connection.output.emit(raw: Importer.summaryJSON(rows: rows.count, credits: credits, clients: clients, imported: true)) {
            "imported \(summary) from \(file)"
        }
    }

    /// Prints every problem as `FILE:LINE: message` and stops before anything changes.
    private func reject(_ problems: [CSVProblem], _ adjective: String) throws {
        guard !problems.isEmpty else { return }
        for problem in problems { Console.error("\(file):\(problem.line): \(problem.message)") }
        let lines = Set(problems.map(\.line)).count
        throw CtlError.badInput("\(lines) \(adjective) line\(lines == 1 ? "" : "s") in \(file); nothing was imported")
    }
}

/// The network half of an import: checks against the daemon, then the issuing.
enum Importer {
    /// A problem for every row whose client or session type is unknown or archived.
    static func precheck(_ rpc: RPCClient, _ rows: [ImportRow]) throws -> [CSVProblem] {
        let clients = Array(Set(rows.map(\.client))).sorted()
        let types = Array(Set(rows.map(\.sessionType)).subtracting(["any"])).sorted()
        var bad: [String: String] = [:]
        for (id, outcome) in try lookup(rpc, .clientGet, clients) {
            if case .failure = outcome { bad["c:" + id] = "client \(id) does not exist" }
        }
        for (id, outcome) in try lookup(rpc, .sessionTypeGet, types) {
            switch outcome {
            case .failure: bad["t:" + id] = "session type \(id) does not exist"
            case .success(let raw):
                if (try? Wire.decode(SessionType.self, raw))?.archived == true {
                    bad["t:" + id] = "session type \(id) is archived and takes no new credits"
                }
            }
        }
        guard !bad.isEmpty else { return [] }
        return rows.compactMap { row in
            let messages = [bad["c:" + row.client], bad["t:" + row.sessionType]].compactMap { $0 }
            return messages.isEmpty ? nil : CSVProblem(line: row.line, message: messages.joined(separator: "; "))
        }
    }

    /// Gets each id; a not_found is an outcome, any other daemon error stops the import.
    private static func lookup(_ rpc: RPCClient, _ method: CreditProtocol.Method,
                               _ ids: [String]) throws -> [(String, Result<[UInt8], CtlError>)] {
        var out: [(String, Result<[UInt8], CtlError>)] = []
        for start in stride(from: 0, to: ids.count, by: Limits.rpcBatchMax) {
            let chunk = Array(ids[start..<min(start + Limits.rpcBatchMax, ids.count)])
            let outcomes = try rpc.batch(chunk.map { (method, IdParams(id: $0) as any Encodable) })
            for (id, outcome) in zip(chunk, outcomes) {
                if case .failure(let error) = outcome {
                    guard case .daemon(let reason, _, _) = error, reason == ErrorReason.notFound.rawValue else { throw error }
                }
                out.append((id, outcome))
            }
        }
        return out
    }

    /// Issues every row in batches; on the first failing batch, reports and stops.
    static func issue(_ rpc: RPCClient, _ rows: [ImportRow], file: String, mutation: Mutation) throws {
        let progress = Progress(total: rows.count, label: "importing")
        var done = 0
        for start in stride(from: 0, to: rows.count, by: Limits.rpcBatchMax) {
            let chunk = rows[start..<min(start + Limits.rpcBatchMax, rows.count)]
            let calls: [(CreditProtocol.Method, any Encodable)] = chunk.map { row in
                var params = CreditIssueParams(client: row.client, sessionType: row.sessionType, credits: row.credits,
                                               expiresOn: row.expiresOn, note: row.note)
                params.idempotencyKey = row.key
                params.staff = mutation.staffName
                return (.creditIssue, params)
            }
            let outcomes = try rpc.batch(calls)
            var failures: [(ImportRow, CtlError)] = []
            for (row, outcome) in zip(chunk, outcomes) {
                if case .failure(let error) = outcome { failures.append((row, error)) } else { done += 1 }
            }
            progress.update(done)
            if let first = failures.first {
                progress.finish()
                for (row, error) in failures { Console.error("\(file):\(row.line): \(error.message)") }
                Console.error("""
                    imported \(done) of \(rows.count) rows; \(failures.count) failed and the rest were not sent. \
                    Fix the cause and run the same command again: rows already imported are not issued twice.
                    """)
                throw first.1
            }
        }
        progress.finish()
    }

    /// The `--json` summary of an import.
    static func summaryJSON(rows: Int, credits: Int64, clients: Int, imported: Bool) -> [UInt8] {
        Array(#"{"rows":\#(rows),"credits":\#(credits),"clients":\#(clients),"imported":\#(imported)}"#.utf8)
    }
}
