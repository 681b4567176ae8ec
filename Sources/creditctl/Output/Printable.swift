/// Text from the daemon made safe for a terminal: a name or note could hold escape sequences, bidi
/// overrides or other invisible characters (older ledgers accepted them), which printed raw would
/// rewrite the screen or disguise a row. Everything unprintable is shown as `<U+XXXX>`.
public enum Printable {
    /// `text` with each control, format, separator, private-use, surrogate or unassigned scalar
    /// escaped; a line feed becomes `⏎` when `singleLine` (a table cell) and stays otherwise.
    public static func escape(_ text: String, singleLine: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, singleLine: singleLine) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n", singleLine {
                out.append("⏎")
            } else if needsEscape(scalar, singleLine: singleLine) {
                out.append(contentsOf: "<U+\(hex(scalar))>".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func needsEscape(_ scalar: Unicode.Scalar, singleLine: Bool) -> Bool {
        if scalar == "\n" { return singleLine }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
            return true
        default:
            return false
        }
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
