/// A table of aligned columns, rendered like OpenBSD's bgpctl: a header line, then one line per
/// row, columns separated by two spaces, numbers right-aligned.
public struct Table: Sendable {
    /// Which side of its column a cell hugs.
    public enum Align: Sendable { case left, right }

    /// One column: its header and alignment.
    public struct Column: Sendable {
        public var title: String
        public var align: Align
        public init(_ title: String, _ align: Align = .left) {
            self.title = title
            self.align = align
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []

    /// A table with the given columns and no rows.
    public init(_ columns: [Column]) { self.columns = columns }

    /// Appends a row; missing cells are blank and extra cells are dropped.
    public mutating func add(_ cells: [String]) {
        var row = Array(cells.prefix(columns.count))
        while row.count < columns.count { row.append("") }
        rows.append(row)
    }

    /// The table as text, one line per row, each ending in `\n`. Trailing spaces are trimmed.
    public func render() -> String {
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], Table.width(Printable.escape(cell)))
            }
        }
        var out = line(columns.map(\.title), widths)
        for row in rows { out += line(row, widths) }
        return out
    }

    private func line(_ cells: [String], _ widths: [Int]) -> String {
        var parts: [String] = []
        for (index, cell) in cells.enumerated() {
            // Cells never span lines (a newline in a note becomes ⏎) and never hold what a
            // terminal would act on (escapes, bidi overrides): see Printable.
            let text = Printable.escape(cell)
            let pad = String(repeating: " ", count: max(0, widths[index] - Table.width(text)))
            parts.append(columns[index].align == .right ? pad + text : text + pad)
        }
        var text = parts.joined(separator: "  ")
        while text.last == " " { text.removeLast() }
        return text + "\n"
    }

    /// Display width: one per character, which is right for the Latin, Greek and Cyrillic names
    /// a studio's clients have (East Asian wide characters would need wcwidth).
    static func width(_ text: String) -> Int { text.count }
}

/// A list of `label: value` lines with the values aligned, for showing one object.
public struct Fields: Sendable {
    public private(set) var pairs: [(String, String)] = []

    public init(_ pairs: [(String, String)] = []) { self.pairs = pairs }

    /// Appends a line.
    public mutating func add(_ label: String, _ value: String) { pairs.append((label, value)) }

    /// Appends a line only when there is a value.
    public mutating func add(_ label: String, _ value: String?) {
        if let value { pairs.append((label, value)) }
    }

    /// The lines as text, each ending in `\n`.
    public func render() -> String {
        let width = pairs.map { $0.0.count }.max() ?? 0
        return pairs.map { label, value in
            label + ":" + String(repeating: " ", count: width - label.count + 2) + Printable.escape(value) + "\n"
        }.joined()
    }
}
