import CreditProtocol
import Foundation

/// One valid row of a credit import file.
public struct ImportRow: Sendable, Equatable {
    public var line: Int
    public var client: String
    public var sessionType: String
    public var credits: Int64
    public var expiresOn: String?
    public var note: String?
    /// The row's idempotency key: same row content, same key, whatever its line.
    public var key: String
}

/// Reading and checking a `credit import` file, all of it, before anything is sent.
public enum ImportFile {
    /// The columns, in the documented order; `expires_on` and `note` may be left out.
    public static let columns = ["client_id", "session_type", "credits", "expires_on", "note"]
    private static let required: Set<String> = ["client_id", "session_type", "credits"]

    /// Parses and validates the file; returns the good rows and a problem for every bad one.
    ///
    /// - Parameter keyPrefix: the start of every row's idempotency key (`import` by default).
    public static func read(_ bytes: [UInt8], keyPrefix: String = "import") -> (rows: [ImportRow], problems: [CSVProblem]) {
        let (records, csvProblems) = CSV.parse(bytes)
        var problems = csvProblems
        guard let header = records.first else {
            problems.append(CSVProblem(line: 1, message: "the file has no header line (\(columns.joined(separator: ",")))"))
            return ([], problems.sorted { $0.line < $1.line })
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let unknown = names.filter { !columns.contains($0) }
        let missing = required.subtracting(names).sorted()
        if !unknown.isEmpty || !missing.isEmpty || Set(names).count != names.count {
            var text = "the header must name the columns \(columns.joined(separator: ","))"
            if !missing.isEmpty { text += "; missing: \(missing.joined(separator: ", "))" }
            if !unknown.isEmpty { text += "; unknown: \(unknown.joined(separator: ", "))" }
            problems.append(CSVProblem(line: header.line, message: text))
            return ([], problems.sorted { $0.line < $1.line })
        }
        var rows: [ImportRow] = []
        rows.reserveCapacity(records.count)
        var seen: [String: Int] = [:]
        for record in records.dropFirst() {
            switch row(record, names) {
            case .failure(let problem): problems.append(problem)
            case .success(var row):
                // Identical rows are meant to issue twice, so each repeat gets its own key.
                let digest = SHA256.hex(Array(
                    [row.client, row.sessionType, String(row.credits), row.expiresOn ?? "", row.note ?? ""]
                        .joined(separator: "\u{1F}").utf8))
                let occurrence = seen[digest, default: 0]
                seen[digest] = occurrence + 1
                row.key = "\(keyPrefix):\(digest.prefix(32)):\(occurrence)"
                rows.append(row)
            }
        }
        if records.count == 1 && csvProblems.isEmpty {
            problems.append(CSVProblem(line: header.line, message: "the file has a header but no rows"))
        }
        return (rows, problems.sorted { $0.line < $1.line })
    }

    private static func row(_ record: CSVRecord, _ names: [String]) -> Result<ImportRow, CSVProblem> {
        guard record.fields.count == names.count else {
            return .failure(CSVProblem(line: record.line,
                message: "expected \(names.count) fields, found \(record.fields.count)"))
        }
        var value: [String: String] = [:]
        for (name, field) in zip(names, record.fields) {
            // Notes keep their spaces; ids, numbers and dates lose those a spreadsheet may add.
            value[name] = name == "note" ? field : field.trimmingCharacters(in: .whitespaces)
        }
        var issues: [String] = []
        let client = value["client_id"] ?? ""
        let type = value["session_type"] ?? ""
        for (label, id) in [("client_id", client), ("session_type", type)] {
            if id.isEmpty { issues.append("\(label) is empty") }
            if id.count > Limits.idCharactersMax { issues.append("\(label) is longer than \(Limits.idCharactersMax) characters") }
        }
        let creditsText = value["credits"] ?? ""
        let credits = Int64(creditsText)
        if credits == nil || credits! < 1 || credits! > Limits.creditsPerOperationMax {
            issues.append("credits must be a whole number from 1 to \(Limits.creditsPerOperationMax), not \"\(creditsText)\"")
        }
        let expires = value["expires_on"].flatMap { $0.isEmpty ? nil : $0 }
        if let expires, !Format.isLocalDate(expires) {
            issues.append("expires_on must be a real date YYYY-MM-DD, not \"\(expires)\"")
        }
        let note = value["note"].flatMap { $0.isEmpty ? nil : $0 }
        if let note, note.count > Limits.noteCharactersMax {
            issues.append("note is \(note.count) characters, at most \(Limits.noteCharactersMax)")
        }
        guard issues.isEmpty, let credits else {
            return .failure(CSVProblem(line: record.line, message: issues.joined(separator: "; ")))
        }
        return .success(ImportRow(line: record.line, client: client, sessionType: type, credits: credits,
                                  expiresOn: expires, note: note, key: ""))
    }
}
