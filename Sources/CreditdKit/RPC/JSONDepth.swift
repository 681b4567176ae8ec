/// A cheap byte scan for JSON nesting depth, run before any decoder sees the text.
///
/// Foundation's recursive decoders can exhaust the stack on deeply nested input (10,000
/// levels of `[`), so depth is bounded here first. The scan only tracks strings and escapes;
/// it does not validate JSON, which the decoder does afterwards.
enum JSONDepth {
    /// Whether the text nests arrays/objects deeper than `limit`.
    static func exceeds(_ bytes: some Sequence<UInt8>, limit: Int) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            default:
                break
            }
        }
        return false
    }

    /// How many elements a top-level array holds, counted by commas at depth 1 (nil when the text
    /// is not an array). Lets an oversized batch be refused before it is decoded.
    static func topLevelArrayCount(_ bytes: some Collection<UInt8>) -> Int? {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }),
              first == UInt8(ascii: "[") else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var commas = 0
        var sawValue = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                sawValue = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth >= 1 { sawValue = true }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 1 { commas += 1 }
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                if depth >= 1 { sawValue = true }
            }
        }
        return sawValue ? commas + 1 : 0
    }
}
