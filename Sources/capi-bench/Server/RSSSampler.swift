import Foundation

/// Samples a process's resident set on a thread of its own while a phase runs.
final class RSSSampler: @unchecked Sendable {
    private let pid: Int32
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(pid: Int32, every interval: TimeInterval = 0.02) {
        self.pid = pid
        let thread = Thread { [self] in
            while self.isRunning {
                if let m = ProcessMemory.read(pid: pid) { self.record(m.rss) }
                Thread.sleep(forTimeInterval: interval)
            }
            self.done.signal()
        }
        thread.start()
    }

    private var isRunning: Bool { lock.withLock { running } }
    private func record(_ rss: Int) { lock.withLock { peak = max(peak, rss) } }

    /// Stops sampling; returns the largest resident set seen, in bytes.
    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        if let m = ProcessMemory.read(pid: pid) { record(m.rss) }
        return lock.withLock { peak }
    }
}
