import CreditProtocol

/// Human and CSV forms of the studio-wide reports.
enum RenderReports {
    /// The CSV columns of `report expiring`.
    static let expiringColumns = ["lot", "client", "client_name", "email", "scope", "credits", "expires_at"]

    static func expiringRow(_ lot: ExpiringLot) -> [String] {
        [String(lot.lot), lot.client, lot.clientName, lot.email ?? "", lot.scope, String(lot.credits),
         lot.expiresAt.description]
    }

    static func expiring(_ lots: [ExpiringLot], _ zone: Zone) -> String {
        var table = Table([.init("EXPIRES"), .init("CLIENT"), .init("NAME"), .init("EMAIL"), .init("SCOPE"),
                           .init("CREDITS", .right), .init("LOT", .right)])
        for lot in lots {
            table.add([zone.validThrough(lot.expiresAt), lot.client, lot.clientName, lot.email ?? "", lot.scope,
                       String(lot.credits), String(lot.lot)])
        }
        let total = lots.reduce(Int64(0)) { $0 + $1.credits }
        return table.render() + "\(Format.count(total, "credit")) in \(Format.count(lots.count, "lot"))\n"
    }
}
