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

    /// The CSV columns of `report activity`: a count and a credits column per action.
    static let activityColumns = ["actor", "staff"] + actions.flatMap { [$0.name, $0.name + "_credits"] }

    private static let actions: [(name: String, figure: @Sendable (ActivityRow) -> ActivityFigure)] = [
        ("issued", \.issued), ("removed", \.removed), ("booked", \.booked), ("cancelled", \.cancelled),
        ("waived", \.waived), ("refunded", \.refunded),
    ]

    static func activityRow(_ row: ActivityRow) -> [String] {
        [row.actor, row.staff ?? ""] + actions.flatMap { action in
            let figure = action.figure(row)
            return [String(figure.count), String(figure.credits)]
        }
    }

    static func activity(_ report: ActivityReport) -> String {
        var table = Table([.init("BY")] + actions.map { .init($0.name.uppercased(), .right) })
        for row in report.items {
            table.add([RenderLedger.by(row.actor, row.staff)] + actions.map { action in
                let figure = action.figure(row)
                return figure.count == 0 ? "" : "\(figure.count) (\(figure.credits))"
            })
        }
        return table.render()
    }

    static func liability(_ report: LiabilityReport) -> String {
        var table = Table([.init("SOURCE"), .init("ID"), .init("CREDITS", .right), .init("VALUE", .right)])
        for line in report.lines {
            table.add([line.source, line.id ?? "", String(line.credits), Format.money(line.valueMinor, line.currency)])
        }
        for total in report.totals {
            table.add(["total", "", String(total.credits), Format.money(total.valueMinor, total.currency)])
        }
        return table.render()
    }
}
