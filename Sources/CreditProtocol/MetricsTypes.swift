/// `daemon.metrics`: every series in Prometheus' text exposition format (version 0.0.4).
public struct MetricsResult: Codable, Sendable, Equatable {
    /// `text/plain; version=0.0.4; charset=utf-8`, as served at GET /metrics.
    public var contentType: String
    /// The exposition itself, ending in a newline.
    public var text: String

    public init(contentType: String, text: String) {
        self.contentType = contentType
        self.text = text
    }
}
