import Synchronization

/// The current configuration, replaced atomically on SIGHUP.
final class ConfigHolder: Sendable {
    private let value: Mutex<DaemonConfig>

    init(_ config: DaemonConfig) {
        value = Mutex(config)
    }

    var current: DaemonConfig { value.withLock { $0 } }

    func replace(_ config: DaemonConfig) {
        value.withLock { $0 = config }
    }
}
