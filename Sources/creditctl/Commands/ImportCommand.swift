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
            every row that would fail. Only then are the rows sent: staged with import.stage in \
            chunks of 5000, then issued by one import.commit, which is ONE transaction — every \
            row is issued or none is.

            Retries: the commit's idempotency key is made from the rows' content \
            (--idempotency-key PREFIX, default "import", then a digest), so running the same \
            command again after an interruption cannot issue anything twice. Keys are kept by \
            the daemon for at least 30 days; to import the same rows again on purpose, give a \
            new --idempotency-key.
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

    /// Stages every row with the daemon in chunks, then commits them in ONE transaction: every
    /// row is issued or none is. The import id and the commit's idempotency key come from the
    /// rows' content, so running the same command again after an interruption cannot issue twice.
    static func issue(_ rpc: RPCClient, _ rows: [ImportRow], file: String, mutation: Mutation) throws {
        let digest = SHA256.hex(Array(rows.map(\.key).joined(separator: "\n").utf8))
        let importId = "imp-" + digest.prefix(24)
        let progress = Progress(total: rows.count, label: "staging")
        var staged = 0
        for start in stride(from: 0, to: rows.count, by: Limits.importRowsPerCallMax) {
            let chunk = rows[start..<min(start + Limits.importRowsPerCallMax, rows.count)]
            let params = ImportStageParams(
                import: importId,
                rows: chunk.map { CreditProtocol.ImportRow(client: $0.client, sessionType: $0.sessionType,
                                                           credits: $0.credits, expiresOn: $0.expiresOn,
                                                           note: $0.note, line: $0.line) },
                reset: start == 0, staff: mutation.staffName)
            do { _ = try rpc.call(.importStage, params) } catch {
                discard(rpc, importId, mutation)
                throw error
            }
            staged += chunk.count
            progress.update(staged)
        }
        progress.finish()
        let prefix = mutation.idempotencyKey ?? "import"
        do {
            _ = try rpc.call(.importCommit, ImportCommitParams(import: importId, idempotencyKey: prefix + ":" + digest,
                                                               staff: mutation.staffName))
        } catch let error as CtlError {
            discard(rpc, importId, mutation)
            Console.error("\(file): \(error.message)")
            Console.error("nothing was imported: fix the cause and run the same command again")
            throw error
        }
    }

    /// Drops the staged rows of a failed import (the daemon also forgets them after a day).
    private static func discard(_ rpc: RPCClient, _ importId: String, _ mutation: Mutation) {
        _ = try? rpc.call(.importAbort, ImportCommitParams(import: importId, staff: mutation.staffName))
    }

    /// The `--json` summary of an import.
    static func summaryJSON(rows: Int, credits: Int64, clients: Int, imported: Bool) -> [UInt8] {
        Array(#"{"rows":\#(rows),"credits":\#(credits),"clients":\#(clients),"imported":\#(imported)}"#.utf8)
    }
}
