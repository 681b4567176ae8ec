import Foundation
import Glibc
import Testing

/// Access with a real second uid: python3's stdlib client runs as another Unix user (through
/// setpriv and runuser) against the real ledger, and SO_PEERCRED decides what it may do.
@Suite struct AccessUidTests {
    /// A system user made for these tests when missing (kept, so reruns reuse it).
    static let peerUser = "creditd-test-peer"
    /// A uid with no passwd entry: the daemon knows it only by number.
    static let strangerUid = "54321"

    @Test(.enabled(if: getuid() == 0, "needs root: creates a system user and switches uid"))
    func unmappedUidIsRefusedAndTrainerCannotRefund() throws {
        // Given a system user mapped as trainer, the test's user as owner, and a sold package
        try Self.ensurePeerUser()
        let daemon = try LedgerDaemon.start(extraConfig: "trainer = [\"\(Self.peerUser)\"]")
        let script = try Self.prepareForOtherUsers(daemon)
        let owner = try RPCSession(daemon)
        try owner.ok("session_type.create", ["id": "yoga", "name": "Yoga"])
        try owner.ok("client.create", ["id": "ann", "name": "Ann"])
        try owner.ok("package.create", ["id": "five", "name": "Five", "credits": 5, "price_minor": 5000])
        try owner.ok("purchase.create", ["id": "p1", "client": "ann", "package": "five"])

        // When a uid with no role (and no passwd entry) calls, through setpriv
        let stranger = try Self.python(
            ["/usr/bin/setpriv", "--reuid=\(Self.strangerUid)", "--regid=\(Self.strangerUid)", "--clear-groups"],
            script: script, daemon: daemon, calls: [("daemon.status", "{}"), ("client.get", #"{"id":"ann"}"#)])
        // Then everything is permission_denied, even reads
        #expect(stranger.count == 2)
        for reply in stranger { #expect(reply.errorReason == "permission_denied", "\(reply)") }

        // When the trainer issues, books and tries to refund, through runuser
        let trainer = try Self.python(
            ["/usr/sbin/runuser", "-u", Self.peerUser, "--"], script: script, daemon: daemon, calls: [
                ("credit.issue", #"{"client":"ann","session_type":"yoga","credits":2,"staff":"Coach Kim"}"#),
                ("booking.create", #"{"id":"b1","client":"ann","session_type":"yoga","starts_at":"2026-01-20T18:00:00Z"}"#),
                ("purchase.refund", #"{"id":"p1"}"#),
            ])
        // Then issuing and booking work, and the refund is refused for want of the refund permission
        #expect(trainer.count == 3)
        #expect(trainer.first?.result?["lots"] != nil, "\(trainer)")
        #expect(trainer.dropFirst().first?.result?["status"] as? String == "booked", "\(trainer)")
        let refund = try #require(trainer.last)
        #expect(refund.errorReason == "permission_denied", "\(refund)")
        #expect(((refund["error"] as? [String: Any])?["data"] as? [String: Any])?["permission"] as? String == "refund")
        // And the ledger records the trainer's user name as actor, with the staff name
        let items = objects(try owner.ok("history.list", ["client": "ann", "events": ["issued"]])["items"])
        let issued = try #require(items.first { $0["staff"] as? String == "Coach Kim" })
        #expect(issued["actor"] as? String == Self.peerUser)
        #expect(try owner.ok("purchase.get", ["id": "p1"])["refunded"] as? Bool == false)
    }

    static func ensurePeerUser() throws {
        guard getpwnam(peerUser) == nil else { return }
        let made = try run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", peerUser])
        // Another run may have made it meanwhile.
        guard made.status == 0 || getpwnam(peerUser) != nil else { throw TestFailure("useradd: \(made.output)") }
    }

    /// Lets other users reach the socket and read the client script.
    static func prepareForOtherUsers(_ daemon: DaemonProcess) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("client.py")
        let script = daemon.directory.appendingPathComponent("client.py").path
        try FileManager.default.copyItem(atPath: source.path, toPath: script)
        guard chmod(script, 0o644) == 0, chmod(daemon.directory.path, 0o755) == 0, chmod(daemon.socketPath, 0o666) == 0
        else { throw TestFailure("chmod: errno \(errno)") }
        return script
    }

    /// Runs client.py's --rpc mode through `prefix` (which switches user) and parses its reply lines.
    static func python(_ prefix: [String], script: String, daemon: DaemonProcess,
                       calls: [(String, String)]) throws -> [[String: Any]] {
        let arguments = Array(prefix.dropFirst()) + ["/usr/bin/python3", script, daemon.socketPath, "--rpc"]
            + calls.flatMap { [$0.0, $0.1] }
        let (status, output) = try run(prefix[0], arguments)
        guard status == 0 else { throw TestFailure("\(prefix[0]) python3 client.py failed (\(status)): \(output)") }
        return try output.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TestFailure("not a reply: \(line)")
            }
            return object
        }
    }
}
