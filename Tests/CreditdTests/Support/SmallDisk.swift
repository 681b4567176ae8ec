import Foundation
import Glibc

/// A small tmpfs the ledger's database lives on, to fill it up or make it read-only (needs root:
/// `mount`). The daemon's own directory stays on the normal disk; `link(into:)` points its
/// `ledger.sqlite` here, and SQLite resolves the symlink, so the -wal and -shm files live here too.
final class SmallDisk {
    let mountPoint: URL
    private var filler: URL { mountPoint.appendingPathComponent("filler") }

    static var available: Bool { getuid() == 0 }

    init(size: String = "2m") throws {
        var template = Array("/tmp/creditd-disk-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        mountPoint = URL(fileURLWithPath: String(cString: path))
        let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mountPoint.path])
        guard mounted.status == 0 else { throw TestFailure("mount tmpfs: \(mounted.output)") }
    }

    deinit {
        _ = try? run("/bin/umount", [mountPoint.path])
        rmdir(mountPoint.path)
    }

    var databasePath: String { mountPoint.appendingPathComponent("ledger.sqlite").path }

    /// For DaemonProcess's `prepare`: the daemon directory's ledger.sqlite becomes a symlink to this disk.
    func link(into directory: URL) throws {
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("ledger.sqlite").path,
                                                   withDestinationPath: databasePath)
    }

    /// Writes a filler file until the disk has no free block left; returns its size.
    @discardableResult
    func fill() throws -> Int {
        let fd = open(filler.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw TestFailure("open filler: errno \(errno)") }
        defer { close(fd) }
        var total = 0
        for chunk in [65_536, 4096, 512, 1] {
            let zeros = [UInt8](repeating: 0, count: chunk)
            while true {
                let written = zeros.withUnsafeBytes { write(fd, $0.baseAddress!, chunk) }
                if written <= 0 { break }
                total += written
            }
        }
        guard errno == ENOSPC else { throw TestFailure("filling stopped with errno \(errno), not ENOSPC") }
        return total
    }

    /// Deletes the filler file: the space is free again.
    func free() throws { try FileManager.default.removeItem(at: filler) }

    /// Remounts the disk read-only or read-write (read-only needs no file open for writing on it).
    func remount(readOnly: Bool) throws {
        let result = try run("/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", mountPoint.path])
        guard result.status == 0 else { throw TestFailure("remount: \(result.output)") }
    }
}
