/// Which characters a text field (a name, a note, staff, an email, a key) may hold.
///
/// Control and formatting characters that make a text render as something it is not are refused
/// everywhere: C0 controls (U+0000-U+001F), DEL (U+007F), C1 controls (U+0080-U+009F) and the
/// bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). A note may
/// keep line feeds and tabs (`multiline`). creditctl uses the same test to escape what it prints.
public enum TextPolicy {
    /// The first scalar of `text` the policy refuses, or nil.
    public static func firstRefused(in text: String, multiline: Bool = false) -> Unicode.Scalar? {
        text.unicodeScalars.first { isRefused($0, multiline: multiline) }
    }

    /// Whether `scalar` is refused in text (line feed and tab are allowed when `multiline`).
    public static func isRefused(_ scalar: Unicode.Scalar, multiline: Bool = false) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return !multiline
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// `U+202E` style name of a scalar, for messages.
    public static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
