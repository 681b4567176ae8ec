import Foundation

/// Builds Prometheus' text exposition format, version 0.0.4: one `# HELP` and `# TYPE` line per
/// metric family, then its samples.
struct PrometheusText {
    /// The content type of the format, for HTTP and `daemon.metrics`.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""

    /// Starts a family. `type` is counter, gauge or histogram.
    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    /// One sample line.
    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: String) {
        sample(name, Array(labels), value)
    }

    mutating func sample(_ name: String, _ labels: [(key: String, value: String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.key)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " \(value)\n"
    }

    /// A whole family of one gauge or counter value.
    mutating func single(_ name: String, _ type: String, _ help: String, _ value: String) {
        family(name, type, help)
        sample(name, [:], value)
    }

    /// A histogram's `_bucket`, `_sum` and `_count` samples; observations are divided by
    /// `unitDivisor` (1e9 turns nanoseconds into seconds).
    mutating func histogram(_ name: String, _ snapshot: HistogramSnapshot, labels: [(key: String, value: String)] = [],
                            unitDivisor: Double = 1) {
        var cumulative: UInt64 = 0
        for (index, count) in snapshot.counts.enumerated() {
            cumulative += count
            let bound = index < snapshot.bounds.count ? Self.number(Double(snapshot.bounds[index]) / unitDivisor) : "+Inf"
            sample(name + "_bucket", labels + [("le", bound)], String(cumulative))
        }
        sample(name + "_sum", labels, Self.number(Double(snapshot.sum) / unitDivisor))
        sample(name + "_count", labels, String(cumulative))
    }

    /// A float as Prometheus (Go's ParseFloat) reads it: integers without a fraction.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    private static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
