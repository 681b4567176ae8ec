import ArgumentParser
import CreditProtocol

/// `metrics`: the daemon's Prometheus exposition, as a scrape of GET /metrics would return it.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Print the daemon's metrics in Prometheus' text format (daemon.metrics).",
        discussion: "The same text as the optional loopback listener's GET /metrics ([metrics] listen in creditd.toml).")
    @OptionGroup var connection: Connection
    func run() throws {
        // The text is the output, as is: no trailing newline added or removed.
        try connection.show(.daemonMetrics, EmptyParams(), as: MetricsResult.self) { result, _ in result.text }
    }
}
