/// One record of a CSV file and the line it starts on (1-based; quoted newlines make records span lines).
public struct CSVRecord: Sendable, Equatable {
    public var line: Int
    public var fields: [String]
    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A record that could not be read, and why.
public struct CSVProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }
}

/// RFC 4180 CSV: fields separated by commas, records by CRLF (LF is accepted on input), fields
/// containing a comma, quote or line break enclosed in double quotes with quotes doubled.
public enum CSV {
    /// Parses a whole file. A malformed record is reported and skipped, and parsing resumes on the
    /// next line, so one stray quote does not hide the problems after it. Blank lines are skipped.
    public static func parse(_ bytes: [UInt8]) -> (records: [CSVRecord], problems: [CSVProblem]) {
        var parser = Parser(bytes: bytes)
        // A UTF-8 byte order mark, as spreadsheets write, is not part of the first field.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.i = 3 }
        var records: [CSVRecord] = []
        var problems: [CSVProblem] = []
        while parser.i < bytes.count {
            let line = parser.line
            switch parser.record() {
            case .success(let fields):
                if fields == [""] { continue }
                records.append(CSVRecord(line: line, fields: fields))
            case .failure(let problem):
                problems.append(CSVProblem(line: line, message: problem.message))
                parser.skipLine()
            }
        }
        return (records, problems)
    }

    /// One field, quoted when it holds a comma, quote, CR or LF.
    public static func field(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its CRLF terminator.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}

private struct Problem: Error { var message: String }

private struct Parser {
    let bytes: [UInt8]
    var i = 0
    var line = 1

    mutating func record() -> Result<[String], Problem> {
        var fields: [String] = []
        while true {
            let field: Result<[UInt8], Problem> = (i < bytes.count && bytes[i] == 34) ? quoted() : unquoted()
            switch field {
            case .failure(let problem): return .failure(problem)
            case .success(let raw):
                guard let text = String(validating: raw, as: UTF8.self) else {
                    return .failure(Problem(message: "field \(fields.count + 1) is not valid UTF-8"))
                }
                fields.append(text)
            }
            if i < bytes.count, bytes[i] == 44 { i += 1; continue }
            if i < bytes.count, bytes[i] == 13 { i += 1 }
            if i < bytes.count, bytes[i] == 10 { i += 1 }
            line += 1
            return .success(fields)
        }
    }

    private mutating func unquoted() -> Result<[UInt8], Problem> {
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if b == 44 || b == 10 { break }
            if b == 13, i + 1 >= bytes.count || bytes[i + 1] == 10 { break }
            if b == 34 {
                return .failure(Problem(message: "a quote inside an unquoted field (quote the whole field and double the quote)"))
            }
            i += 1
        }
        return .success(Array(bytes[start..<i]))
    }

    private mutating func quoted() -> Result<[UInt8], Problem> {
        var out: [UInt8] = []
        i += 1
        while i < bytes.count {
            let b = bytes[i]
            if b == 34 {
                if i + 1 < bytes.count, bytes[i + 1] == 34 { out.append(34); i += 2; continue }
                i += 1
                if i < bytes.count, bytes[i] != 44, bytes[i] != 10, bytes[i] != 13 {
                    return .failure(Problem(message: "text after a closing quote"))
                }
                return .success(out)
            }
            if b == 10 { line += 1 }
            out.append(b)
            i += 1
        }
        return .failure(Problem(message: "a quoted field is never closed"))
    }

    /// Moves past the rest of the current physical line after a problem.
    mutating func skipLine() {
        while i < bytes.count, bytes[i] != 10 { i += 1 }
        if i < bytes.count { i += 1 }
        line += 1
    }
}
