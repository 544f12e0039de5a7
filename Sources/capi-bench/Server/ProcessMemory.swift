import Foundation

/// Resident memory of a process, from /proc/PID/status (Linux only).
struct ProcessMemory: Sendable {
    /// Current resident set, in bytes.
    var rss: Int
    /// The kernel's high-water mark of the resident set since the process began.
    var hwm: Int

    static func read(pid: Int32) -> ProcessMemory? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var rss: Int?
        var hwm: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = kilobytes(line) }
            if line.hasPrefix("VmHWM:") { hwm = kilobytes(line) }
        }
        guard let rss, let hwm else { return nil }
        return ProcessMemory(rss: rss * 1024, hwm: hwm * 1024)
    }

    private static func kilobytes(_ line: Substring) -> Int? {
        line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }
}
