import Foundation
import Glibc

/// One measured connection's state: requests sent and not answered yet (replies come in request
/// order), the next requests, and what was measured. Every reply is checked for an error.
final class ConnectionDriver {
    let connection: Connection
    private var source: RequestSource
    private let window: Int
    private let measureFrom: UInt64
    private let measureUntil: UInt64
    // Send instants and kinds of requests without a reply yet.
    private var sentAt: [UInt64] = []
    private var sentOp: [Op] = []
    private var head = 0
    private var stopping = false
    private(set) var tally = Tally()

    init(index: Int, options: BenchOptions, run: String, measureFrom: UInt64, measureUntil: UInt64) {
        connection = Connection(path: options.socket)
        source = RequestSource(workload: options.workload, run: run, index: index, readClients: options.clients,
                               ownClientCount: options.connections, seed: options.seed)
        window = options.window
        self.measureFrom = measureFrom
        self.measureUntil = measureUntil
        sentAt.reserveCapacity(1 << 16)
        sentOp.reserveCapacity(1 << 16)
    }

    /// Every request sent has its reply.
    var finished: Bool { head >= sentAt.count }

    /// Fills the window.
    func start() { connection.write(requests(window)) }

    /// Records the reply lines `receive` hands over, then sends one request per reply (or, once
    /// the measured time is over, only what leaves the ledger as it was).
    func step(_ receive: ((ArraySlice<UInt8>) -> Void) -> Void) {
        var received = 0
        receive { line in
            let now = nowNs()
            if now >= measureFrom && now < measureUntil {
                let op = sentOp[head]
                tally.replies += 1
                tally.counts[op.rawValue] += 1
                _ = tally.histograms[op.rawValue].record(max(1, (now - sentAt[head]) / 1000))
                if contains(line, Marker.error) {
                    tally.errors += 1
                    if tally.firstError == nil { tally.firstError = String(decoding: line, as: UTF8.self) }
                }
            }
            head += 1
            received += 1
        }
        if head > 1 << 15 {  // keep the queues short
            sentAt.removeFirst(head)
            sentOp.removeFirst(head)
            head = 0
        }
        if !stopping, nowNs() >= measureUntil { stopping = true }
        if stopping {
            // Leave no booking holding a credit: cancel the open one before stopping.
            if source.mustFinish { connection.write(requests(1, finishing: true)) }
        } else if received > 0 {
            connection.write(requests(received))
        }
    }

    private func requests(_ count: Int, finishing: Bool = false) -> [UInt8] {
        var text = ""
        let now = nowNs()
        for _ in 0..<count {
            let op = finishing ? Op.cancel : source.nextOp()
            text += source.line(op)
            text += "\n"
            sentAt.append(now)
            sentOp.append(op)
        }
        return Array(text.utf8)
    }
}

/// Several connections on one thread: poll(2) for replies, handle every connection that has
/// some, until each has its last reply. Fewer threads than connections means fewer wake-ups
/// for the client, which shares the machine with the daemon.
func drivePolling(connections indices: [Int], options: BenchOptions, run: String, measureFrom: UInt64,
                  measureUntil: UInt64) -> [Tally] {
    let drivers = indices.map {
        ConnectionDriver(index: $0, options: options, run: run, measureFrom: measureFrom, measureUntil: measureUntil)
    }
    var polled = drivers.map { pollfd(fd: $0.connection.fd, events: Int16(POLLIN), revents: 0) }
    for driver in drivers { driver.start() }
    var open = drivers.count
    while open > 0 {
        let ready = poll(&polled, nfds_t(polled.count), -1)
        if ready < 0, errno == EINTR { continue }
        guard ready > 0 else { fail("poll: \(String(cString: strerror(errno)))") }
        for (slot, driver) in drivers.enumerated() where polled[slot].revents != 0 {
            polled[slot].revents = 0
            driver.step { driver.connection.readAvailableLines($0) }
            if driver.finished {
                polled[slot].fd = -1  // poll ignores it from now on
                open -= 1
            }
        }
    }
    return drivers.map(\.tally)
}
