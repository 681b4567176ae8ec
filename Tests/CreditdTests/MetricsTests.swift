import CreditProtocol
import Foundation
import Testing
@testable import CreditdKit

/// `daemon.metrics` and the loopback GET /metrics listener, against the real daemon.
@Suite struct MetricsTests {
    /// The samples of an exposition, keyed by the text before the value (`name{labels}`).
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func metrics(_ rpc: RPCSession) throws -> (contentType: String?, text: String) {
        let result = try rpc.ok("daemon.metrics")
        return (result["content_type"] as? String, result["text"] as? String ?? "")
    }

    @Test func requestCountersAndHistogramsFollowTheCallsMade() throws {
        // Given a ledger with a session type and a client
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        // When 5 issues succeed, one fails (unknown client), 3 balances are read and one method is unknown
        for _ in 0..<5 { try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 2]) }
        #expect(try rpc.fails("credit.issue", ["client": "nobody", "session_type": "yoga", "credits": 1]).reason == "not_found")
        for _ in 0..<3 { try rpc.ok("balance.get", ["client": "ann"]) }
        #expect(try rpc.fails("no.such").reason == "method_not_found")
        let (contentType, text) = try Self.metrics(rpc)
        let samples = Self.samples(text)
        // Then each call is counted under its method and outcome
        #expect(contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(samples[#"creditd_requests_total{method="credit.issue",outcome="ok"}"#] == 5)
        #expect(samples[#"creditd_requests_total{method="credit.issue",outcome="not_found"}"#] == 1)
        #expect(samples[#"creditd_requests_total{method="balance.get",outcome="ok"}"#] == 3)
        #expect(samples[#"creditd_requests_total{method="other",outcome="method_not_found"}"#] == 1)
        #expect(samples[#"creditd_requests_total{method="booking.create",outcome="ok"}"#] == 0)
        // And the 8 writes (type, client, 6 issues) went through the writer, each timed
        #expect(samples[#"creditd_request_duration_seconds_count{kind="write"}"#] == 8)
        #expect(samples[#"creditd_request_duration_seconds_count{kind="read"}"#] == 3)
        #expect(samples["creditd_group_commit_calls_sum"] == 8)
        let commits = try #require(samples["creditd_group_commit_calls_count"])
        #expect(commits >= 1 && commits <= 8)
        #expect(samples["creditd_group_commit_duration_seconds_count"] == commits)
        #expect(samples[#"creditd_group_commit_calls_bucket{le="+Inf"}"#] == commits)
        // And the WAL was synced at least once per commit, and the files have sizes
        #expect(try #require(samples["creditd_wal_sync_duration_seconds_count"]) >= commits)
        #expect(try #require(samples["creditd_database_bytes"]) > 0)
        #expect(try #require(samples["creditd_wal_bytes"]) > 0)
        #expect(samples["creditd_connections"] == 1)
        #expect(samples["creditd_subscribers"] == 0)
        #expect(samples[#"creditd_build_info{version="\#(Daemon.version)",protocol="\#(Limits.protocolVersion)"}"#] == 1)
        #expect(try #require(samples["process_start_time_seconds"]) > 1_700_000_000)
    }

    @Test func schedulerLagAndBacklogAreExposed() throws {
        // Given a lot that expires in an hour
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try rpc.ok("client.create", ["id": "ann", "name": "Ann"])
        try rpc.ok("credit.issue", ["client": "ann", "session_type": "yoga", "credits": 2, "expires_at": "2026-01-05T10:00:00Z"])
        let before = Self.samples(try Self.metrics(rpc).text)
        #expect(before["creditd_scheduler_due_deadlines"] == 0)
        #expect(before["creditd_scheduler_lag_seconds_count"] == 0)
        // When the test clock jumps two hours (the expiry is processed then, an hour after it was due)
        try rpc.ok("clock.advance", ["seconds": 7200])
        let after = Self.samples(try Self.metrics(rpc).text)
        // Then the expiry is counted as processed, an hour late, and nothing is left due
        #expect(after["creditd_scheduler_processed_total"] == 1)
        #expect(after["creditd_scheduler_lag_seconds_count"] == 1)
        #expect(after["creditd_scheduler_lag_seconds_sum"] == 3600)
        #expect(after[#"creditd_scheduler_lag_seconds_bucket{le="300"}"#] == 0)
        #expect(after[#"creditd_scheduler_lag_seconds_bucket{le="3600"}"#] == 1)
        #expect(after["creditd_scheduler_due_deadlines"] == 0)
        #expect(after[#"creditd_requests_total{method="clock.advance",outcome="ok"}"#] == 1)
        #expect(after[#"creditd_request_duration_seconds_count{kind="slow_read"}"#] == 1)
    }

    @Test func promtoolAcceptsTheExposition() throws {
        // Given a daemon that has served writes, reads and errors
        let promtool = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: promtool),
                     "promtool is not installed (Debian's prometheus package; scripts/deps.sh installs it)")
        let daemon = try LedgerDaemon.start()
        let rpc = try RPCSession(daemon)
        try rpc.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        _ = try rpc.fails("client.get", ["id": "nobody"])
        let text = try Self.metrics(rpc).text
        // When promtool lints it
        let (status, output) = try Self.run(promtool, ["check", "metrics"], input: text)
        // Then it finds nothing wrong
        #expect(status == 0, "promtool check metrics: \(output)")
        #expect(output.isEmpty, "promtool check metrics: \(output)")
    }

    @Test func promtoolAcceptsTheDocumentedAlertRules() throws {
        // Given docs/creditd-alerts.yml, which docs/OPERATIONS.md tells operators to load
        let promtool = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: promtool),
                     "promtool is not installed (Debian's prometheus package; scripts/deps.sh installs it)")
        let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/creditd-alerts.yml").standardized.path
        // When promtool checks it
        let (status, output) = try Self.run(promtool, ["check", "rules", rules])
        // Then the three rules are valid
        #expect(status == 0, "promtool check rules: \(output)")
        #expect(output.contains("SUCCESS: 3 rules found"), "promtool check rules: \(output)")
    }

    @Test func histogramsAreCumulativeAndLabelsEscaped() {
        // Given a histogram with bounds 1 and 10 and observations 1, 3 and 100
        let histogram = AtomicHistogram(bounds: [1, 10])
        for value: UInt64 in [1, 3, 100] { histogram.observe(value) }
        // When it is written with a label that needs escaping
        var text = PrometheusText()
        text.histogram("h", histogram.snapshot(), labels: [("l", "a\"b\\c\nd")])
        // Then buckets count everything up to their bound, and _count equals the +Inf bucket
        #expect(text.text == """
            h_bucket{l="a\\"b\\\\c\\nd",le="1"} 1
            h_bucket{l="a\\"b\\\\c\\nd",le="10"} 2
            h_bucket{l="a\\"b\\\\c\\nd",le="+Inf"} 3
            h_sum{l="a\\"b\\\\c\\nd"} 104
            h_count{l="a\\"b\\\\c\\nd"} 3

            """)
    }

    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
