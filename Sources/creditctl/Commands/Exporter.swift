import CreditProtocol
import Foundation

/// Paging exports: every page is fetched with its cursor until `next_cursor` is null.
enum Exporter {
    /// The CSV columns of an exported event.
    static let historyColumns = ["id", "at", "recorded_at", "event", "client", "session_type", "lot", "booking",
                                 "amount", "credits", "actor", "staff", "note", "rule"]
    /// The CSV columns of exported usage.
    static let usageColumns = ["client", "starting", "total_booked", "free_cancellations", "rollover_in",
                               "rollover_out", "manual_changes", "expired", "forfeited", "refunded", "left"]

    /// Every client id, paging through client.list.
    static func allClients(_ rpc: RPCClient) throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            let (_, page) = try rpc.call(.clientList, ClientListParams(limit: Limits.pageSizeMax, cursor: cursor, includeInactive: true),
                                         as: Page<Client>.self)
            ids += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    /// Writes the history of `clients`; returns how many events were written.
    static func history(_ rpc: RPCClient, clients: [String], filter: HistoryFilter, connection: Connection,
                        format: ExportCommand.FileFormat, to sink: Sink) throws -> Int {
        // Local --since/--until are resolved once, not per page.
        let template = try filter.params(client: "", limit: Limits.pageSizeMax, cursor: nil, connection)
        if format == .csv { sink.write(CSV.row(historyColumns)) }
        let progress = Progress(total: clients.count, label: "exporting")
        var written = 0
        for (index, client) in clients.enumerated() {
            var cursor: String?
            repeat {
                var params = template
                params.client = client
                params.cursor = cursor
                let raw = try rpc.call(.historyList, params)
                let page = try Wire.decode(Page<HistoryItem>.self, raw)
                if format == .jsonl {
                    // Each item exactly as the daemon sent it.
                    for item in try rawItems(raw) { sink.write(item); sink.write("\n") }
                } else {
                    for item in page.items { sink.write(CSV.row(historyRow(item))) }
                }
                written += page.items.count
                cursor = page.nextCursor
            } while cursor != nil
            progress.update(index + 1)
        }
        progress.finish()
        return written
    }

    /// One CSV row of an event; instants stay RFC 3339 UTC so the file is unambiguous.
    static func historyRow(_ e: HistoryItem) -> [String] {
        var rule = ""
        if let r = e.rule, let data = try? JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]) {
            rule = String(decoding: data, as: UTF8.self)
        }
        return [String(e.id), e.at.description, e.recordedAt.description, e.event.rawValue, e.client, e.sessionType,
                e.lot.map(String.init) ?? "", e.booking ?? "", String(e.amount), String(e.credits), e.actor,
                e.staff ?? "", e.note ?? "", rule]
    }

    /// Writes one usage row (or line) per client.
    static func usage(_ rpc: RPCClient, clients: [String], format: ExportCommand.FileFormat, to sink: Sink) throws {
        if format == .csv { sink.write(CSV.row(usageColumns)) }
        let progress = Progress(total: clients.count, label: "exporting")
        for (index, client) in clients.enumerated() {
            let raw = try rpc.call(.usageSummary, UsageParams(client: client))
            if format == .jsonl {
                sink.write(raw)
                sink.write("\n")
            } else {
                let u = try Wire.decode(UsageSummary.self, raw).usage
                let figures = [u.starting, u.totalBooked, u.freeCancellations, u.rolloverIn, u.rolloverOut,
                               u.manualChanges, u.expired, u.forfeited, u.refunded, u.left]
                sink.write(CSV.row([client] + figures.map(String.init)))
            }
            progress.update(index + 1)
        }
        progress.finish()
    }

    /// The raw bytes of each element of a page's `items`.
    static func rawItems(_ raw: [UInt8]) throws -> [[UInt8]] {
        do {
            guard let items = try JSONScan.members(raw, 0..<raw.count).first(where: { $0.key == "items" }) else {
                throw CtlError.protocolError("creditd's page has no items")
            }
            return try JSONScan.elements(raw, items.value).map { Array(raw[$0]) }
        } catch is JSONScan.Malformed {
            throw CtlError.protocolError("creditd sent a malformed page")
        }
    }
}
