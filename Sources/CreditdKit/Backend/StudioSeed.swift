import CreditProtocol
import Logging
import Store

/// The config's `[studio]` seeds the ledger's studio settings when the database is created; from
/// then on the ledger's own settings rule (they change only through `studio.update`), so a restart
/// can never move membership boundaries or date expiries to another zone.
enum StudioSeed {
    /// A config that names a time zone other than the ledger's stops the start, saying both and how
    /// to change the ledger's zone on purpose. A config that names none (the embedded default, or
    /// `time_zone` unset: the system's zone) never conflicts. A different currency is only logged:
    /// it labels new packages' prices, each package keeps its own, and the shipped config names one.
    static func check(config: DaemonConfig, ledger: Ledger, logger: Logger) throws {
        let studio: Studio
        do { studio = try ledger.studio() } catch {
            throw DaemonError(description: "cannot read the studio settings of \(config.databasePath): \(error.wire.message)")
        }
        let source = config.sourcePath ?? "the embedded default"
        if config.studio.namesTimeZone, config.studio.timeZone != studio.timeZone {
            throw DaemonError(description: mismatch(configZone: config.studio.timeZone, ledgerZone: studio.timeZone,
                                                    source: source, database: config.databasePath))
        }
        if config.studio.currency != studio.currency {
            logger.notice("""
                \(source) names currency \(config.studio.currency), the ledger's is \(studio.currency): keeping \
                \(studio.currency) (the config only seeds a new database; change it with studio.update)
                """)
        }
    }

    static func mismatch(configZone: String, ledgerZone: String, source: String, database: String) -> String {
        """
        the config names time zone \(configZone) but the ledger keeps \(ledgerZone) (config \(source), \
        database \(database)). The config only seeds a new ledger, and a restart never changes the zone \
        (it would move every membership boundary and date expiry). To keep \(ledgerZone): set \
        [studio] time_zone = "\(ledgerZone)" (or remove it). To change the ledger to \(configZone) on purpose: \
        start with time_zone = "\(ledgerZone)", run `creditctl studio set --time-zone \(configZone)` \
        (studio.update), then set time_zone = "\(configZone)" in the config.
        """
    }
}
