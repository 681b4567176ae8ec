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
            whether every client and session type exists and is not archived, and whether any \
            expires_on date has passed in the studio's time zone, and again reports every row \
            that would fail. --check stops there. Only then are the rows sent: staged with \
            import.stage in chunks of 5000, then issued by one import.commit, which is ONE \
            transaction — every row is issued or none is; the daemon checks every row again and \
            names every bad one. At most 50 bad rows are listed, and the rest counted.

            Retries: the commit's idempotency key is made from the rows' content \
            (--idempotency-key PREFIX, default "import", then a digest), so running the same \
            command again after an interruption cannot issue anything twice, and running it \
            after the import finished says it was already imported. Keys are kept by the daemon \
            for at least 30 days; to import the same rows again on purpose, give a new \
            --idempotency-key. --staff is not part of the key: a re-run by another teammate is \
            the same import.
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
        let summary = "\(Format.count(rows.count, "row")), \(Format.count(credits, "credit")) for \(Format.count(clients, "client"))"
        if check {
            return connection.output.emit(raw: Importer.summaryJSON(rows: rows.count, credits: credits, clients: clients, imported: false)) {
                "\(file): \(summary); all rows check out, nothing was imported (--check)"
            }
        }
        if let done = try Importer.issue(rpc, rows, file: file, mutation: mutation) {
            return connection.output.emit(raw: Importer.alreadyJSON(done)) {
                "\(file) was already imported (\(Format.count(done.rows, "row")), \(Format.count(done.credits, "credit"))); "
                    + "nothing changed. To import the same rows again on purpose, give a new --idempotency-key."
            }
        }
        connection.output.emit(raw: Importer.summaryJSON(rows: rows.count, credits: credits, clients: clients, imported: true)) {
            "imported \(summary) from \(file)"
        }
    }

    /// Prints every problem as `FILE:LINE: message` and stops before anything changes.
    private func reject(_ problems: [CSVProblem], _ adjective: String) throws {
        guard !problems.isEmpty else { return }
        let lines = Set(problems.map(\.line)).count
        // A file of a million bad rows would bury the first ones: list a screenful, count the rest.
        var listedLines = Set<Int>()
        for problem in problems {
            if !listedLines.contains(problem.line) && listedLines.count == Limits.importProblemsListedMax { continue }
            listedLines.insert(problem.line)
            Console.error("\(file):\(problem.line): \(problem.message)")
        }
        if lines > listedLines.count { Console.error("... and \(Format.count(lines - listedLines.count, "more bad line"))") }
        throw CtlError.badInput("\(Format.count(lines, "\(adjective) line")) in \(file); nothing was imported")
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
        let today = try studioToday(rpc)
        return rows.compactMap { row in
            var messages = [bad["c:" + row.client], bad["t:" + row.sessionType]].compactMap { $0 }
            // Dates compare as text: YYYY-MM-DD sorts as it runs.
            if let expires = row.expiresOn, expires < today.date {
                messages.append("expires_on \(expires) is in the past (today is \(today.date) in \(today.zone))")
            }
            return messages.isEmpty ? nil : CSVProblem(line: row.line, message: messages.joined(separator: "; "))
        }
    }

    /// Today's local date in the studio's zone, at the daemon's clock (which may be a test clock).
    private static func studioToday(_ rpc: RPCClient) throws -> (date: String, zone: String) {
        let (_, status) = try rpc.call(.daemonStatus, EmptyParams(), as: DaemonStatus.self)
        let (_, studio) = try rpc.call(.studioGet, EmptyParams(), as: Studio.self)
        return (Zone(identifier: studio.timeZone).today(status.now), studio.timeZone)
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
    /// Returns the first result instead when these rows were already imported under the same key.
    static func issue(_ rpc: RPCClient, _ rows: [ImportRow], file: String, mutation: Mutation) throws -> ImportResult? {
        let digest = SHA256.hex(Array(rows.map(\.key).joined(separator: "\n").utf8))
        let importId = "imp-" + digest.prefix(24)
        let commitKey = (mutation.idempotencyKey ?? "import") + ":" + digest
        if let done = try alreadyImported(rpc, importId, key: commitKey, mutation) { return done }
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
        do {
            _ = try rpc.call(.importCommit, ImportCommitParams(import: importId, idempotencyKey: commitKey,
                                                               staff: mutation.staffName))
        } catch let error as CtlError {
            discard(rpc, importId, mutation)
            Console.error("\(file): \(error.message)")
            Console.error("nothing was imported: fix the cause and run the same command again")
            throw error
        }
        return nil
    }

    /// The first result when the commit's key was already used: with nothing staged, a commit under a
    /// new key fails (not_found) and changes nothing, while a used key returns the stored result.
    /// Rows a broken earlier run left staged are dropped first, so they cannot be committed here.
    private static func alreadyImported(_ rpc: RPCClient, _ importId: String, key: String,
                                        _ mutation: Mutation) throws -> ImportResult? {
        discard(rpc, importId, mutation)
        do {
            let (_, result) = try rpc.call(.importCommit, ImportCommitParams(import: importId, idempotencyKey: key,
                                                                             staff: mutation.staffName),
                                           as: ImportResult.self)
            return result
        } catch CtlError.daemon(let reason, _, _) where reason == ErrorReason.notFound.rawValue {
            return nil
        }
    }

    /// The `--json` answer of a re-run.
    static func alreadyJSON(_ r: ImportResult) -> [UInt8] {
        Array(#"{"rows":\#(r.rows),"credits":\#(r.credits),"imported":false,"already_imported":true}"#.utf8)
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
